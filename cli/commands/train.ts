import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KilnError, UsageError, describeError } from '../../core/errors.js';
import { BACKEND_NAMES } from '../../train/backend-names.js';
import type { TrainConfigInput, TrainSummary } from '../../train/index.js';
import { printJson, printTable } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';
import { isS3Url } from '../../core/storage/s3-location.js';

function integer(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} expects a non-negative integer, got "${value}"`, { key: name });
    return n;
  };
}

function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} expects a non-negative number, got "${value}"`, { key: name });
    return n;
  };
}

/** Decodes ids with the named tokenizer; a tokenizer that cannot be read (moved file) is said on stderr and gives undefined. */
export async function decodeWith(tokenizer: string | undefined, ids: number[]): Promise<string | undefined> {
  if (tokenizer === undefined) return undefined;
  const tok = await loadTokenizer(tokenizer).catch((err: unknown) => {
    // Only the tokenizer's own errors: the checkpoint is written, the sample stays as ids.
    if (!(err instanceof KilnError)) throw err;
    process.stderr.write(`kiln: the sample is printed as token ids: ${describeError(err)}\n`);
    return undefined;
  });
  return tok === undefined ? undefined : tok.decode(ids);
}

/** Loads a tokenizer by name or file (tokenize/load.ts, imported when needed). */
export async function loadTokenizer(name: string): Promise<{ encode(text: string): Promise<ArrayLike<number>>; decode(ids: ArrayLike<number>): Promise<string> }> {
  const { loadTokenizer: load } = await import('../../tokenize/load.js');
  return load(name);
}

interface TrainFlags {
  data: string;
  out: string;
  steps?: number;
  batchSize?: number;
  gradAccum?: number;
  lr?: number;
  minLr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  gradClip?: number;
  model?: string;
  backend?: string;
  evalEvery?: number;
  evalBatches?: number;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  resume?: boolean;
  overwrite?: boolean;
  seed?: number;
  sample?: number | boolean;
  tokenizer?: string;
  wait?: boolean;
  json?: boolean;
}

function printHuman(s: TrainSummary, sampleText: string | undefined): void {
  const fmt = (v: number | null, digits = 4): string => (v === null ? '-' : v.toFixed(digits));
  printTable(
    ['steps', 'params', 'backend', 'initial val', 'final loss', 'val loss', 'val ppl', 'tokens/s', 'data wait'],
    [[s.steps, s.params, s.backend, fmt(s.initial_val_loss), fmt(s.final_loss), fmt(s.val_loss), fmt(s.val_perplexity, 2), Math.round(s.tokens_per_s), `${(100 * s.data_wait_share).toFixed(2)}%`]],
  );
  process.stdout.write(`checkpoint: ${s.checkpoint}\nreport: ${s.report}\n`);
  if (s.sample !== undefined) process.stdout.write(`sample:\n${sampleText ?? s.sample.join(' ')}\n`);
}

/** `kiln train`: trains a GPT/Llama-style model on shards (see train/config.ts for every knob). */
export function register(program: Command): void {
  program
    .command('train')
    .description('train a causal language model on token shards (TensorFlow.js: tfjs-node-gpu, tfjs-node, wasm or cpu)')
    .requiredOption('--data <dir|url>', 'shards directory, its index.json, or an http(s) URL of either')
    .requiredOption('--out <dir>', 'run directory: checkpoints/, metrics.jsonl, report.html')
    .option('--steps <n>', 'optimizer steps in total (default 200)', integer('steps'))
    .option('--batch-size <n>', 'sequences per micro-batch (default 16)', integer('batch-size'))
    .option('--grad-accum <n>', 'micro-batches per optimizer step (default 1)', integer('grad-accum'))
    .option('--lr <x>', 'peak learning rate (default 1e-3)', positiveNumber('lr'))
    .option('--min-lr <x>', 'cosine floor (default lr/10)', positiveNumber('min-lr'))
    .option('--warmup-steps <n>', 'linear warmup steps (default 10% of steps, at most 100)', integer('warmup-steps'))
    .option('--weight-decay <x>', 'AdamW decoupled weight decay (default 0.1)', positiveNumber('weight-decay'))
    .option('--grad-clip <x>', 'global gradient-norm clip, 0 = off (default 1)', positiveNumber('grad-clip'))
    .option('--model <name|file>', 'gpt-mini | gpt-small | llama-mini | gpt2-124m | llama-124m | CONFIG.json (default gpt-mini)')
    .option('--backend <name>', `${BACKEND_NAMES.join(' | ')} (default auto)`)
    .option('--eval-every <n>', 'evaluate on the val split every n steps, 0 = start and end only (default 100)', integer('eval-every'))
    .option('--eval-batches <n>', 'cap val batches per evaluation (default: the whole val split)', integer('eval-batches'))
    .option('--checkpoint-every <n>', 'checkpoint every n steps, 0 = end only (default 100)', integer('checkpoint-every'))
    .option('--keep-checkpoints <n>', 'checkpoints kept on disk (default 2)', integer('keep-checkpoints'))
    .option('--resume', 'continue the run in --out even with changed settings (e.g. more --steps); a rerun with the same settings resumes or skips by itself')
    .option('--overwrite', 'discard checkpoints already in --out and start again')
    .option('--seed <n>', 'seed for init, data order and sampling (default 1337)', integer('seed'))
    .option('--sample [tokens]', 'generate text from the final model (default 200 tokens)', integer('sample'))
    .option('--tokenizer <name|file>', "decode --sample with this tokenizer (default: the shards' tokenizer)")
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--json', 'print one JSON summary object')
    .action(async (flags: TrainFlags) => {
      if (flags.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(flags.backend)) {
        throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got "${flags.backend}"`, { key: 'backend' });
      }
      const sampleTokens = flags.sample === true ? 200 : flags.sample === undefined || flags.sample === false ? 0 : flags.sample;
      const config: TrainConfigInput = {
        data: flags.data,
        out: flags.out,
        steps: flags.steps,
        batchSize: flags.batchSize,
        gradAccum: flags.gradAccum,
        lr: flags.lr,
        minLr: flags.minLr,
        warmupSteps: flags.warmupSteps,
        weightDecay: flags.weightDecay,
        gradClip: flags.gradClip,
        model: flags.model,
        backend: flags.backend as TrainConfigInput['backend'],
        evalEvery: flags.evalEvery,
        evalBatches: flags.evalBatches,
        checkpointEvery: flags.checkpointEvery,
        keepCheckpoints: flags.keepCheckpoints,
        resume: flags.resume ?? false,
        overwrite: flags.overwrite ?? false,
        seed: flags.seed,
        sampleTokens,
      };
      // zod defaults apply only to absent keys, so drop the flags the user did not give.
      for (const key of Object.keys(config) as (keyof TrainConfigInput)[]) if (config[key] === undefined) delete config[key];
      const [{ train }, { withDatasetLock }, { canonicalPath }] = await Promise.all([
        import('../../train/index.js'),
        import('../../core/dataset-lock.js'),
        import('../../core/input-files.js'),
      ]);
      const signal = stopSignal();
      // An s3:// run directory is leased by train itself (core/storage/staged-stage.ts).
      const remote = isS3Url(flags.out);
      const out = remote ? flags.out : await canonicalPath(flags.out);
      const outExisted = remote || (await fs.stat(out).then(() => true, () => false));
      const locked = (run: () => ReturnType<typeof train>): ReturnType<typeof train> => (remote ? run() : withDatasetLock(out, { wait: flags.wait, signal, onWait: onOutputWait(flags.out) }, run));
      const summary = await locked(() => train(config, { signal })).catch(async (err: unknown) => {
        // The lock is taken before train checks --model and --data: a refused run leaves no
        // --out behind when it made one that holds nothing but the lock's folder.
        if (!outExisted) await removeIfOnlyLock(out);
        throw err;
      });
      if (await endIfStopped({ committed: summary.checkpoint ? `checkpoint ${summary.checkpoint}` : 'no checkpoint yet', resumeArgs: ['--resume'] })) {
        if (flags.json) printJson(summary);
        return;
      }
      const sampleText = summary.sample === undefined ? undefined : await decodeWith(flags.tokenizer ?? summary.tokenizer?.name, summary.sample);
      if (flags.json) return printJson({ ...summary, ...(sampleText !== undefined ? { sample_text: sampleText } : {}) });
      printHuman(summary, sampleText);
      if (summary.skipped) process.stderr.write(`kiln: ${remote ? flags.out : path.resolve(flags.out)} is up to date (finished at step ${summary.steps}); --overwrite trains it again\n`);
    });
}

/** Removes `out` when all it holds is an empty `_kiln` folder (the released lock's). */
async function removeIfOnlyLock(out: string): Promise<void> {
  const top = await fs.readdir(out).catch(() => undefined);
  if (!top || top.some((n) => n !== '_kiln')) return;
  const meta = await fs.readdir(path.join(out, '_kiln')).catch(() => undefined);
  if (meta && meta.length === 0) await fs.rm(out, { recursive: true, force: true });
}
