import { z } from 'zod';
import { BACKEND_NAMES } from './backend.js';

/** Everything `kiln train` can be told; each default sits next to its knob (nanoGPT style). */
export const TrainConfigSchema = z.strictObject({
  /** Shards directory, its index.json, or an HTTP(S) URL of either. */
  data: z.string().min(1),
  /** Run directory: checkpoints/, metrics.jsonl, report.html. */
  out: z.string().min(1),
  /** Optimizer updates to run in total (a resumed run continues up to this). */
  steps: z.number().int().positive().default(200),
  /** Sequences per micro-batch. */
  batchSize: z.number().int().positive().default(16),
  /** Micro-batches whose gradients are averaged into one update. */
  gradAccum: z.number().int().positive().default(1),
  /** Preset name (gpt-mini, gpt-small, llama-mini, gpt2-124m, llama-124m), a CONFIG.json path, or an inline shape. */
  model: z.union([z.string(), z.record(z.string(), z.unknown())]).default('gpt-mini'),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  /** Peak learning rate; small models tolerate nanoGPT's shakespeare-char 1e-3. */
  lr: z.number().positive().default(1e-3),
  /** Cosine floor; default lr/10. */
  minLr: z.number().nonnegative().optional(),
  /** Linear warmup steps; default 10% of steps, at most 100. */
  warmupSteps: z.number().int().nonnegative().optional(),
  weightDecay: z.number().nonnegative().default(0.1),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.95),
  /** Global-norm clip; 0 turns clipping off. */
  gradClip: z.number().nonnegative().default(1.0),
  /** Evaluate on the val split every N steps (and always at start and end); 0: only start and end. */
  evalEvery: z.number().int().nonnegative().default(100),
  /** Cap on val batches per eval; unset: the whole val split (what val_loss means in the summary). */
  evalBatches: z.number().int().positive().optional(),
  /** Checkpoint every N steps (and always at the end); 0: only at the end. */
  checkpointEvery: z.number().int().nonnegative().default(100),
  /** Checkpoints kept on disk; older ones are deleted once a newer one is in place. */
  keepCheckpoints: z.number().int().positive().default(2),
  /** Continue from the newest usable checkpoint in `out`. */
  resume: z.boolean().default(false),
  /** Start afresh even if `out` holds checkpoints (they are deleted). */
  overwrite: z.boolean().default(false),
  /** Seeds weight init, the loader's shuffle and sampling. */
  seed: z.number().int().nonnegative().default(1337),
  /** Tokens to generate from the final model (0: none). */
  sampleTokens: z.number().int().nonnegative().default(0),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** The schedule's derived values, filled from the defaults above. */
export function scheduleOf(c: TrainConfig): { lr: number; minLr: number; warmupSteps: number; decaySteps: number } {
  return {
    lr: c.lr,
    minLr: c.minLr ?? c.lr / 10,
    warmupSteps: c.warmupSteps ?? Math.min(100, Math.floor(c.steps / 10)),
    decaySteps: c.steps,
  };
}
