import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../core/seeded-random.js';
import type { CausalLM } from './model/model.js';

/** How to draw tokens. */
export interface SampleOptions {
  maxNewTokens: number;
  /** Softmax temperature; 0 picks the most likely token (greedy). */
  temperature?: number;
  /** Keep only the k most likely tokens before sampling (0: all). */
  topK?: number;
  seed?: number;
  /** Stop after emitting this id (the shards' EOS). */
  stopAt?: number;
}

/** Index drawn from unnormalised log-probabilities with temperature and top-k. */
function pick(logits: Float32Array, temperature: number, topK: number, random: () => number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  let floor = -Infinity;
  if (topK > 0 && topK < logits.length) floor = [...logits].sort((a, b) => b - a)[topK - 1]!;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i]! < floor) continue;
    weights[i] = Math.exp((logits[i]! - logits[best]!) / temperature);
    total += weights[i]!;
  }
  let r = random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r <= 0 && weights[i]! > 0) return i;
  }
  return best;
}

/**
 * Continues `prompt` (token ids) by up to maxNewTokens sampled ids and returns only the new ones.
 * No KV cache: each token re-runs the last seqLen positions, fine for the small models kiln trains.
 */
export async function generate(model: CausalLM, prompt: readonly number[], options: SampleOptions): Promise<number[]> {
  const { seqLen } = model.config;
  const random = seededRandom(options.seed ?? 0);
  const context = prompt.length > 0 ? [...prompt] : [options.stopAt ?? 0];
  const produced: number[] = [];
  for (let n = 0; n < options.maxNewTokens; n++) {
    const window = context.slice(-seqLen);
    const last = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d(window, [1, window.length], 'int32'));
      return tf.slice(logits, [window.length - 1, 0], [1, model.config.vocabSize]);
    });
    // Async read: tfjs-webgpu cannot read synchronously in Node.
    const values = (await last.data()) as Float32Array;
    last.dispose();
    const next = pick(values, options.temperature ?? 0.8, options.topK ?? 40, random);
    produced.push(next);
    context.push(next);
    if (next === options.stopAt) break;
  }
  return produced;
}
