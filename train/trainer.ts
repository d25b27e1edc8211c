// The training loop, plain and linear as nanoGPT's train.py: open data → build or restore the
// model → evaluate → for each step: get batch, forward + backward, clip, AdamW update, log;
// evaluate and checkpoint on schedule → final eval, checkpoint, report, sample.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigChangedError, ConfigError, UsageError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { stagingDir, withStagedDirectory } from '../core/storage/staged-stage.js';
import { selectBackend } from './backend.js';
import { checkLogitsFit, WebgpuGuard } from './webgpu-guard.js';
import type { AdapterDescription } from './webgpu-adapter.js';
import { checkpointsDir, latestCheckpoint, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { scheduleOf, TrainConfigSchema, type TrainConfig, type TrainConfigInput } from './config.js';
import { shardSource, type Batch, type BatchSource, type OpenSource } from './data-source.js';
import { evaluate } from './evaluate.js';
import { checkStepMemory, paramCount, stepMemory } from './memory-estimate.js';
import { fp32Peak, modelFlopsUtilisation } from './device-peak.js';
import { isEvalRecord, isStepRecord, MetricsLog, readMetrics } from './metrics.js';
import { MODEL_PRESETS, modelConfigFor, type ModelConfig } from './model/config.js';
import { batchLoss, createModel, type CausalLM } from './model/model.js';
import { AdamW } from './optim/adamw.js';
import { clipByGlobalNorm, sumPairwise } from './optim/clip.js';
import { learningRate } from './optim/schedule.js';
import { TrainProgress } from './progress.js';
import { writeReport } from './report.js';
import { runIdentity } from './run-identity.js';
import { generate } from './sample.js';
import { checkpointTensors, modelFromCheckpoint, restoreTensors } from './weights.js';
import { makeDirs } from '../core/make-dirs.js';

/** What `kiln train --json` prints. */
export interface TrainSummary {
  steps: number;
  final_loss: number | null;
  val_loss: number | null;
  val_perplexity: number | null;
  initial_val_loss: number | null;
  tokens_per_s: number;
  /** Share of step time spent waiting for the loader (this process's steps). */
  data_wait_share: number;
  backend: string;
  /** The WebGPU adapter the run used (vendor, architecture, device, driver); null off WebGPU. */
  adapter: AdapterDescription | null;
  /** Why `--backend auto` passed over each faster backend (empty for a named backend). */
  backend_skipped: { name: string; reason: string }[];
  /** Model FLOPs utilisation (6·params·tokens/s over the adapter's fp32 peak); null when the peak is unknown. */
  mfu: number | null;
  checkpoint: string | null;
  params: number;
  model: ModelConfig;
  /** Steps this process ran (fewer than `steps` after a resume). */
  steps_run: number;
  resumed_from: number | null;
  seconds: number;
  metrics: string;
  report: string;
  /** Generated token ids (when sampleTokens > 0); the CLI decodes them. */
  sample?: number[];
  /** True when --out already held this run, finished: nothing was trained ("up to date"). */
  skipped: boolean;
  /** The tokenizer of the shards (name + hash), as the checkpoint records it. */
  tokenizer: { name: string; hash: string } | null;
}

/** Hooks a caller (CLI, tests, bench) can supply. */
export interface TrainOptions {
  /** Opens batch sources; default: the streaming loader on `config.data`. */
  openSource?: OpenSource;
  log?: Logger;
  /** Aborting stops after the current step with a checkpoint. */
  signal?: AbortSignal;
  /** Tokenizer name + hash recorded in checkpoints (read from the shards index by the CLI). */
  tokenizer?: { name: string; hash: string } | null;
}

async function modelShape(model: TrainConfig['model']): Promise<Record<string, unknown>> {
  if (typeof model !== 'string') return model;
  const preset = MODEL_PRESETS[model];
  if (preset !== undefined) return { ...preset };
  if (!model.endsWith('.json')) {
    throw new UsageError(`unknown model "${model}": use ${Object.keys(MODEL_PRESETS).join(', ')} or a CONFIG.json path`, { key: 'model' });
  }
  try {
    return JSON.parse(await fs.readFile(model, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot read model config ${model}: ${(err as Error).message}`, { path: model });
  }
}

function toConfigError(err: unknown, where: string): never {
  if (err instanceof z.ZodError) {
    const issue = err.issues[0]!;
    throw new ConfigError(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { key: issue.path.join('.') });
  }
  throw err;
}

/** Train loader that rolls over to the next epoch (a fresh loader) when one ends. */
class EpochStream {
  private constructor(
    private readonly open: OpenSource,
    private readonly batchSize: number,
    private readonly seed: number,
    public epoch: number,
    public source: BatchSource,
  ) {}

  static async start(open: OpenSource, batchSize: number, seed: number, epoch: number, state: unknown): Promise<EpochStream> {
    return new EpochStream(open, batchSize, seed, epoch, await open({ split: 'train', batchSize, seed, epoch, state }));
  }

  async next(): Promise<Batch> {
    const batch = await this.source.next();
    if (batch !== null) return batch;
    await this.source.close();
    this.epoch += 1;
    this.source = await this.open({ split: 'train', batchSize: this.batchSize, seed: this.seed, epoch: this.epoch });
    const first = await this.source.next();
    if (first === null) throw new ConfigError('the train split has no batches (fewer sequences than --batch-size?)', { key: 'data' });
    return first;
  }

  position(): { epoch: number; state: unknown } {
    return { epoch: this.epoch, state: this.source.state() };
  }
}

/** The settings that differ between a checkpoint's recorded train config and `config`, for the refusal message. */
function changedSettings(recorded: Record<string, unknown>, config: TrainConfig): string {
  const ignored = new Set(['out', 'backend', 'evalEvery', 'evalBatches', 'checkpointEvery', 'keepCheckpoints', 'resume', 'overwrite', 'sampleTokens']);
  const keys = Object.keys(config).filter((k) => !ignored.has(k) && JSON.stringify(recorded[k]) !== JSON.stringify(config[k as keyof TrainConfig]));
  return keys.length > 0 ? keys.map((k) => `${k} ${JSON.stringify(recorded[k])} -> ${JSON.stringify(config[k as keyof TrainConfig])}`).join(', ') : 'the model file or data changed';
}

/** The summary of a run --out already finished with these settings, read from its checkpoint and metrics. */
async function finishedRun(ck: LoadedCheckpoint, config: TrainConfig, out: string, log: Logger): Promise<TrainSummary> {
  const metricsPath = path.join(out, 'metrics.jsonl');
  const records = (await readMetrics(metricsPath)).filter((r) => r.step <= ck.manifest.step);
  const steps = records.filter(isStepRecord);
  const evals = records.filter(isEvalRecord);
  const lastEval = evals.at(-1) as { val_loss: number } | undefined;
  const waitMs = steps.reduce((a, r) => a + r.data_wait_ms, 0);
  const computeMs = steps.reduce((a, r) => a + r.compute_ms, 0);
  let sample: number[] | undefined;
  if (config.sampleTokens > 0) {
    await selectBackend(config.backend);
    const model = modelFromCheckpoint(ck);
    sample = await generate(model, [], { maxNewTokens: config.sampleTokens, seed: ck.manifest.seed, stopAt: ck.manifest.eosId ?? undefined });
    model.params.dispose();
  }
  log.info('train.up_to_date', { out, step: ck.manifest.step });
  return {
    steps: ck.manifest.step,
    final_loss: steps.at(-1)?.loss ?? null,
    val_loss: lastEval?.val_loss ?? null,
    val_perplexity: lastEval === undefined ? null : Math.exp(lastEval.val_loss),
    initial_val_loss: ck.manifest.initialValLoss,
    tokens_per_s: steps.length === 0 ? 0 : steps.reduce((a, r) => a + r.tokens_per_s, 0) / steps.length,
    data_wait_share: waitMs / Math.max(1e-9, waitMs + computeMs),
    backend: String(ck.manifest.train.backend ?? config.backend),
    adapter: null,
    backend_skipped: [],
    mfu: null,
    checkpoint: ck.dir,
    params: paramCount(ck.manifest.model),
    model: ck.manifest.model,
    steps_run: 0,
    resumed_from: null,
    seconds: 0,
    metrics: metricsPath,
    report: path.join(out, 'report.html'),
    ...(sample !== undefined ? { sample } : {}),
    skipped: true,
    tokenizer: ck.manifest.tokenizer,
  };
}

/** Trains a causal LM on shards and returns the run summary; see TrainConfigSchema for every knob. */
export async function train(input: TrainConfigInput, options: TrainOptions = {}): Promise<TrainSummary> {
  let config: TrainConfig;
  try {
    config = TrainConfigSchema.parse(input);
  } catch (err) {
    toConfigError(err, 'train config');
  }
  const log = options.log ?? createLogger({ stage: 'train' });
  const started = performance.now();
  // Checkpoints are renamed into place and read back as files: an s3:// run directory is
  // trained in a local copy (a resume starts from what the server holds, or from this host's
  // copy of a killed run) and published when the run ends, each checkpoint's checkpoint.json
  // after its tensors, so a reader never takes a half-uploaded checkpoint for a whole one.
  if (isS3Url(config.out)) {
    const url = config.out;
    const dir = stagingDir(url);
    const summary = await withStagedDirectory(url, { last: (k) => k.endsWith('/checkpoint.json') }, (local) => train({ ...input, out: local }, options));
    const remote = (p: string): string => (p.startsWith(dir) ? url + p.slice(dir.length).split(path.sep).join('/') : p);
    return { ...summary, metrics: remote(summary.metrics), report: remote(summary.report), checkpoint: summary.checkpoint === null ? null : remote(summary.checkpoint) };
  }
  const out = path.resolve(config.out);

  // Everything a rerun decides, and every check of --model and --data, comes before anything is
  // written: a bad flag leaves no empty --out behind.
  const shape = await modelShape(config.model);
  const identity = runIdentity(config, shape);
  const hasStepDirs = (await fs.readdir(checkpointsDir(out)).catch(() => [] as string[])).some((n) => n.startsWith('step-'));
  const found = hasStepDirs ? await latestCheckpoint(out, { clean: true, onSkip: (dir, err) => log.warn('train.checkpoint_skipped', { dir, error: String(err) }) }) : undefined;
  let ck: LoadedCheckpoint | undefined;
  if (found !== undefined && !config.overwrite) {
    const same = found.manifest.identity === identity;
    if (same && found.manifest.step >= config.steps) return finishedRun(found, config, out, log);
    if (same || config.resume) ck = found;
    else throw new ConfigChangedError(`${out} holds a run with other settings (${changedSettings(found.manifest.train, config)}) at step ${found.manifest.step}; pass --resume to continue it with these settings or --overwrite to start again`, { path: out });
  } else if (hasStepDirs && !config.overwrite) {
    throw new UsageError(`${out} holds checkpoints that do not read back; pass --overwrite to start again`, { path: out });
  } else if (config.resume) log.info('train.resume_none', { out });

  const backend = await selectBackend(config.backend);
  log.info('train.backend', { backend: backend.name, engine: backend.engine, adapter: backend.adapter, skipped: backend.skipped });
  const peak = fp32Peak(backend.adapter);
  const gpuGuard = backend.name === 'webgpu' ? WebgpuGuard.attach() : null;
  const seed = ck?.manifest.seed ?? config.seed;
  const openSource = options.openSource ?? shardSource(config.data);

  // Data first: the model's vocabulary and context length are the shards'.
  const stream = await EpochStream.start(openSource, config.batchSize, seed, ck?.manifest.loader.epoch ?? 0, ck?.manifest.loader.state);
  const { vocabSize, seqLen } = stream.source;
  let modelConfig: ModelConfig;
  try {
    modelConfig = ck?.manifest.model ?? modelConfigFor(shape, { vocabSize, seqLen });
  } catch (err) {
    await stream.source.close();
    toConfigError(err, 'model config');
  }
  try {
    if (modelConfig.vocabSize !== vocabSize || modelConfig.seqLen < seqLen) {
      throw new ConfigError(`checkpoint model (vocab ${modelConfig.vocabSize}, seq ${modelConfig.seqLen}) does not fit the data (vocab ${vocabSize}, seq ${seqLen})`, { path: config.data });
    }
    if (gpuGuard !== null) checkLogitsFit(gpuGuard.maxBinding, config.batchSize, seqLen, vocabSize, config.gradAccum);
    checkStepMemory(stepMemory(modelConfig, config.batchSize), `seq_len ${seqLen} of ${config.data}`);
  } catch (err) {
    await stream.source.close();
    throw err;
  }
  await makeDirs(out);
  if (ck === undefined && hasStepDirs) await fs.rm(checkpointsDir(out), { recursive: true, force: true });
  const tokenizer = options.tokenizer ?? stream.source.tokenizer ?? null;
  const model: CausalLM = createModel(modelConfig, seed);
  const optimizer = new AdamW(model.params, { beta1: config.beta1, beta2: config.beta2, eps: 1e-8, weightDecay: config.weightDecay });
  if (ck !== undefined) restoreTensors(ck, model, optimizer);
  const startStep = ck?.manifest.step ?? 0;
  log.info('train.start', { out, params: model.params.count(), model: modelConfig, step: startStep, steps: config.steps, resumed: ck !== undefined });

  const metricsPath = path.join(out, 'metrics.jsonl');
  const metrics = await MetricsLog.open(metricsPath, ck === undefined ? undefined : startStep);
  await metrics.write({ step: startStep, backend: backend.name, adapter: backend.adapter, backend_skipped: backend.skipped });
  const runEval = async (step: number): Promise<number | null> => {
    const source = await openSource({ split: 'val', batchSize: config.batchSize, seed, epoch: 0 });
    try {
      const result = await evaluate(model, source, config.evalBatches);
      gpuGuard?.check(step);
      if (result.batches === 0) return null;
      await metrics.write({ step, val_loss: result.loss, val_perplexity: result.perplexity, val_tokens: result.tokens });
      log.info('train.eval', { step, val_loss: result.loss, val_perplexity: result.perplexity });
      return result.loss;
    } finally {
      await source.close();
    }
  };

  const initialValLoss = ck !== undefined ? ck.manifest.initialValLoss : await runEval(0);
  // A resumed run evaluates again at its end (valStep stays behind), so this placeholder never survives.
  let valLoss: number | null = initialValLoss;
  let valStep = startStep === 0 ? 0 : -1;
  const schedule = scheduleOf(config);
  const tokensPerStep = config.batchSize * config.gradAccum * seqLen;
  let waitMsTotal = 0;
  let computeMsTotal = 0;
  let lastLoss: number | null = null;
  let lastCheckpoint: string | null = ck?.dir ?? null;
  let checkpointStep = startStep;
  const reportPath = path.join(out, 'report.html');

  const checkpoint = async (step: number): Promise<void> => {
    lastCheckpoint = await saveCheckpoint(
      out,
      {
        step,
        model: modelConfig,
        train: { ...config, resume: false, overwrite: false },
        seed,
        optimizer: { step: optimizer.step, beta1: config.beta1, beta2: config.beta2, eps: 1e-8, weightDecay: config.weightDecay },
        loader: stream.position(),
        initialValLoss,
        tokenizer,
        identity,
        eosId: stream.source.eosId ?? null,
      },
      checkpointTensors(model, optimizer),
      config.keepCheckpoints,
    );
    checkpointStep = step;
    log.info('train.checkpoint', { step, dir: lastCheckpoint });
    await writeReport(reportPath, `kiln train: ${path.basename(out)}`, summaryFields(step), await readMetrics(metricsPath));
  };
  const summaryFields = (step: number): Record<string, unknown> => {
    const tokensPerS = tokensPerStep * (step - startStep) / Math.max(1e-9, (waitMsTotal + computeMsTotal) / 1000);
    return {
    steps: step,
    final_loss: lastLoss,
    val_loss: valLoss,
    initial_val_loss: initialValLoss,
    tokens_per_s: tokensPerS,
    data_wait_share: waitMsTotal / Math.max(1e-9, waitMsTotal + computeMsTotal),
    backend: backend.name,
    adapter: backend.adapter === null ? undefined : describeAdapter(backend.adapter),
    backend_skipped: backend.skipped.length === 0 ? undefined : backend.skipped.map((k) => `${k.name}: ${k.reason}`).join('; '),
    device_peak_fp32: peak === null ? undefined : `${peak.name}: ${(peak.flops / 1e12).toFixed(1)} TFLOP/s`,
    mfu: peak === null ? null : modelFlopsUtilisation(model.params.count(), tokensPerS, peak.flops),
    params: model.params.count(),
    arch: modelConfig.arch,
    d_model: modelConfig.dModel,
    n_layer: modelConfig.nLayer,
    n_head: modelConfig.nHead,
    vocab_size: modelConfig.vocabSize,
    seq_len: seqLen,
    batch_size: config.batchSize,
    grad_accum: config.gradAccum,
    };
  };

  // Memory per step: the weights and two AdamW moments (3x params), one batch's activations and
  // gradients (the [B*T, V] logits dominate at large vocabularies), plus the loader's own bounded
  // prefetch queue; nothing grows with steps (tensors are freed each step, metrics go to disk).
  let step = startStep;
  const progress = new TrainProgress(log, startStep, config.steps);
  try {
    while (step < config.steps && options.signal?.aborted !== true) {
      const lr = learningRate(step, schedule);
      let waitMs = 0;
      const stepStart = performance.now();
      const summed = new Map<string, tf.Tensor>();
      const losses: tf.Scalar[] = [];
      for (let micro = 0; micro < config.gradAccum; micro++) {
        const waitStart = performance.now();
        const batch = await stream.next();
        waitMs += performance.now() - waitStart;
        const rows = tf.tensor2d(batch.tokens, [batch.batchSize, batch.rowLength], 'int32');
        const { value, grads } = tf.variableGrads(() => batchLoss(model, rows), model.params.list());
        rows.dispose();
        losses.push(value);
        // variableGrads keys by the variable's tfjs name; map back to parameter names.
        for (const spec of model.params.specs) {
          const g = grads[model.params.get(spec.name).name];
          if (g === undefined) continue;
          const previous = summed.get(spec.name);
          if (previous === undefined) summed.set(spec.name, g);
          else {
            summed.set(spec.name, tf.add(previous, g));
            previous.dispose();
            g.dispose();
          }
        }
      }
      if (config.gradAccum > 1) {
        for (const [name, g] of summed) {
          summed.set(name, tf.div(g, config.gradAccum));
          g.dispose();
        }
      }
      const normTensor = clipByGlobalNorm(summed, config.gradClip);
      optimizer.apply(summed, lr);
      for (const g of summed.values()) g.dispose();
      // The step's only reads from the device: its loss and gradient norm, asynchronously and
      // together (a dataSync would block the event loop, and the loader's prefetch with it).
      const lossTensor = losses.length === 1 ? losses[0]! : sumPairwise(losses);
      const [lossRead, normRead] = await Promise.all([lossTensor.data(), normTensor.data()]);
      gpuGuard?.check(step + 1);
      const gradNorm = normRead[0]!;
      tf.dispose([lossTensor, normTensor, ...losses]);
      step += 1;
      const stepMs = performance.now() - stepStart;
      const computeMs = stepMs - waitMs;
      waitMsTotal += waitMs;
      computeMsTotal += computeMs;
      lastLoss = lossRead[0]! / config.gradAccum;
      if (!Number.isFinite(lastLoss)) log.warn('train.loss_not_finite', { step, loss: lastLoss });
      await metrics.write({
        step,
        loss: lastLoss,
        lr,
        tokens_per_s: tokensPerStep / (stepMs / 1000),
        data_wait_ms: waitMs,
        compute_ms: computeMs,
        grad_norm: gradNorm,
      });
      progress.step(step, lastLoss, lr, tokensPerStep / (stepMs / 1000), step === config.steps);
      if (config.evalEvery > 0 && step % config.evalEvery === 0 && step < config.steps) {
        valLoss = await runEval(step);
        valStep = step;
      }
      if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && step < config.steps) await checkpoint(step);
    }
    // A stop request (SIGTERM) checkpoints at once; the final eval would delay it by a pass over val.
    if (valStep !== step && options.signal?.aborted !== true) valLoss = await runEval(step);
    if (checkpointStep !== step) await checkpoint(step);
  } finally {
    progress.end();
    await metrics.close();
    await stream.source.close();
  }

  const sample = config.sampleTokens > 0 ? await generate(model, [], { maxNewTokens: config.sampleTokens, seed, stopAt: stream.source.eosId }) : undefined;
  const fields = summaryFields(step);
  await writeReport(reportPath, `kiln train: ${path.basename(out)}`, fields, await readMetrics(metricsPath));
  const summary: TrainSummary = {
    steps: step,
    final_loss: lastLoss,
    val_loss: valLoss,
    val_perplexity: valLoss === null ? null : Math.exp(valLoss),
    initial_val_loss: initialValLoss,
    tokens_per_s: fields.tokens_per_s as number,
    data_wait_share: fields.data_wait_share as number,
    backend: backend.name,
    adapter: backend.adapter,
    backend_skipped: backend.skipped,
    mfu: fields.mfu as number | null,
    checkpoint: lastCheckpoint,
    params: model.params.count(),
    model: modelConfig,
    steps_run: step - startStep,
    resumed_from: ck?.manifest.step ?? null,
    seconds: (performance.now() - started) / 1000,
    metrics: metricsPath,
    report: reportPath,
    ...(sample !== undefined ? { sample } : {}),
    skipped: false,
    tokenizer,
  };
  log.info('train.done', { ...summary, model: undefined, sample: undefined });
  optimizer.dispose();
  model.params.dispose();
  return summary;
}

/** One line naming a WebGPU adapter: vendor, architecture, device and driver. */
function describeAdapter(a: AdapterDescription): string {
  return [a.vendor, a.architecture, a.device, a.description].filter((x) => x !== '').join(' / ') + (a.fallback ? ' (fallback adapter)' : '');
}
