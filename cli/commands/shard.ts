import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { runShard, shardConfigSchema, type ShardConfigInput } from '../../shard/index.js';
import { formatBytes, printJson, printTable } from '../print.js';
import { stopSignal } from '../stop-signal.js';

interface ShardOptions {
  in: string[];
  out: string;
  seqLen: string;
  eos?: string;
  vocabSize?: string;
  valFraction: string;
  seed: string;
  weights?: string;
  shardSize: string;
  memory: string;
  format: string;
  overwrite?: boolean;
  json?: boolean;
}

/** Checks the flags against the shard config schema, so every bad value is bad usage (exit 2) naming its flag. */
function checkFlags(config: ShardConfigInput): void {
  const parsed = shardConfigSchema.safeParse(config);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^inputs$/, 'in')}`;
  throw new UsageError(`${flag}: ${issue.message}`, { key });
}

const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** Parses `128MB`, `64MiB`, `1G`, `4096` into bytes. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  const unit = m ? UNITS[m[2].toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag} must be a size like 128MB or 64MiB, got "${value}"`, { key: flag });
  return Math.round(Number(m[1]) * unit);
}

function int(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`, { key: flag });
  return n;
}

function num(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a non-negative number, got "${value}"`, { key: flag });
  return n;
}

/** `kiln shard --in DIR... --out DIR --seq-len N ...`. */
export function register(program: Command): void {
  program
    .command('shard')
    .description('pack token datasets into globally shuffled Arrow shards (+ index.json) for training')
    .requiredOption('--in <dirs...>', 'tokens datasets (one mixture component each)')
    .requiredOption('--out <dir>', 'shards directory; an existing one gets a new generation')
    .requiredOption('--seq-len <n>', 'tokens per training sequence (rows hold seq-len + 1)')
    .option('--eos <id>', "EOS id put after every document (default: the tokenizer's)")
    .option('--vocab-size <n>', "vocabulary size (default: the tokenizer's, else max id + 1)")
    .option('--val-fraction <f>', 'share of documents held out for validation', '0.005')
    .option('--seed <s>', 'seed of the shuffle and the split', '0')
    .option('--weights <w,...>', 'mixture weight per input: 2 = twice, 0.5 = half')
    .option('--shard-size <size>', 'target shard file size', '128MB')
    .option('--memory <size>', 'memory bound of the shuffle (bucket bytes held at once)', '256MiB')
    .option('--format <fmt>', 'arrow | megatron | nanogpt', 'arrow')
    .option('--overwrite', 'replace shards in --out made with other settings')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (opts: ShardOptions) => {
      if (!['arrow', 'megatron', 'nanogpt'].includes(opts.format)) throw new UsageError(`--format must be arrow, megatron or nanogpt, got "${opts.format}"`, { key: 'format' });
      const weights = opts.weights?.split(',').map((w) => num(w, '--weights'));
      const config: ShardConfigInput = {
          inputs: opts.in,
          out: opts.out,
          seqLen: int(opts.seqLen, '--seq-len', 1)!,
          eosId: int(opts.eos, '--eos'),
          vocabSize: int(opts.vocabSize, '--vocab-size', 1),
          valFraction: num(opts.valFraction, '--val-fraction'),
          seed: int(opts.seed, '--seed')!,
          weights,
          shardBytes: parseSize(opts.shardSize, '--shard-size'),
          bucketBytes: parseSize(opts.memory, '--memory'),
          format: opts.format as 'arrow' | 'megatron' | 'nanogpt',
      };
      checkFlags(config);
      const summary = await runShard(config, { signal: stopSignal(), overwrite: opts.overwrite ?? false });
      if (opts.json) return printJson(summary);
      printTable(
        ['split', 'documents', 'sequences', 'tokens', 'shards'],
        (['train', 'val'] as const).map((s) => [s, summary.documents[s], summary.sequences[s], summary.tokens[s], summary.shards[s]]),
      );
      process.stderr.write(
        summary.upToDate ? `kiln: ${summary.out} is up to date\n` : `kiln: generation ${summary.generation}: ${formatBytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s -> ${summary.out}\n`,
      );
    });
}
