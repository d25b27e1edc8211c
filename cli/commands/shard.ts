import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { ShardConfigInput } from '../../shard/config.js';
import { formatBytes, printJson, printTable } from '../print.js';
import { SIZE_FLAG_HELP, sizeOption } from '../size-option.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

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
  wait?: boolean;
  allowPartial?: boolean;
  overwrite?: boolean;
  json?: boolean;
}

/** Checks the flags against the shard config schema, so every bad value is bad usage (exit 2) naming its flag. */
async function checkFlags(config: ShardConfigInput): Promise<void> {
  const { shardConfigSchema } = await import('../../shard/config.js');
  const parsed = shardConfigSchema.safeParse(config);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^inputs$/, 'in')}`;
  throw new UsageError(`${flag}: ${issue.message}`, { key });
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
    .option('--shard-size <size>', `target shard file size ${SIZE_FLAG_HELP}`, '128M')
    .option('--memory <size>', `memory bound of the shuffle (bucket bytes held at once) ${SIZE_FLAG_HELP}`, '256M')
    .option('--format <fmt>', 'arrow | megatron | nanogpt', 'arrow')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--allow-partial', 'read input kiln datasets whose run has not finished (default: refused)')
    .option('--overwrite', 'replace shards in --out made with other settings')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (opts: ShardOptions) => {
      if (!['arrow', 'megatron', 'nanogpt'].includes(opts.format)) throw new UsageError(`--format must be arrow, megatron or nanogpt, got "${opts.format}"`, { key: 'format' });
      const weights = opts.weights?.split(',').map((w) => num(w, '--weights'));
      const shardBytes = sizeOption(opts.shardSize, '--shard-size');
      const bucketBytes = sizeOption(opts.memory, '--memory', { min: 4096 });
      const config: ShardConfigInput = {
          inputs: opts.in,
          out: opts.out,
          seqLen: int(opts.seqLen, '--seq-len', 1)!,
          eosId: int(opts.eos, '--eos'),
          vocabSize: int(opts.vocabSize, '--vocab-size', 1),
          valFraction: num(opts.valFraction, '--val-fraction'),
          seed: int(opts.seed, '--seed')!,
          weights,
          shardBytes,
          bucketBytes,
          format: opts.format as 'arrow' | 'megatron' | 'nanogpt',
      };
      await checkFlags(config);
      const [{ runShard }, { withDatasetLock }, { requireFinishedInputs }, { canonicalPath }] = await Promise.all([
        import('../../shard/index.js'),
        import('../../core/dataset-lock.js'),
        import('../../core/input-finished.js'),
        import('../../core/input-files.js'),
      ]);
      const { withObjectStorage } = await import('../../core/storage/staged-stage.js');
      const signal = stopSignal();
      let committed = '';
      // s3:// inputs and output go through local staging, published when done (staged-stage.ts).
      const summary = await withObjectStorage(opts.in, opts.out, async (inputs, outDir) => {
        if (!opts.allowPartial) await requireFinishedInputs(inputs);
        const out = await canonicalPath(outDir);
        committed = `${out}: the generation being written is not published; its finished steps are kept under _kiln/shard`;
        return withDatasetLock(out, { wait: opts.wait, signal, onWait: onOutputWait(opts.out) }, () =>
          runShard({ ...config, inputs, out: outDir }, { signal, overwrite: opts.overwrite ?? false }),
        ).catch(async (err: unknown) => {
          // runShard stops by throwing the abort: a stop, not a failure.
          if (signal.aborted && (await endIfStopped({ committed }))) return undefined;
          throw err;
        });
      });
      if (!summary) return;
      const stopped = await endIfStopped({ committed });
      if (opts.json) return printJson(summary);
      if (stopped) return;
      printTable(
        ['split', 'documents', 'sequences', 'tokens', 'shards'],
        (['train', 'val'] as const).map((s) => [s, summary.documents[s], summary.sequences[s], summary.tokens[s], summary.shards[s]]),
      );
      process.stderr.write(
        summary.upToDate ? `kiln: ${summary.out} is up to date\n` : `kiln: generation ${summary.generation}: ${formatBytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s -> ${summary.out}\n`,
      );
    });
}
