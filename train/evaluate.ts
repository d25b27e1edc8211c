import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from './data-source.js';
import { batchLoss, type CausalLM } from './model/model.js';

/** Mean loss over a split. */
export interface EvalResult {
  /** Token-weighted mean next-token loss (nats); NaN when the split is empty. */
  loss: number;
  perplexity: number;
  tokens: number;
  batches: number;
}

/** Mean next-token loss of `model` over every batch of `source` (or the first maxBatches). */
export async function evaluate(model: CausalLM, source: BatchSource, maxBatches = Infinity): Promise<EvalResult> {
  let weighted = 0;
  let tokens = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const batch = await source.next();
    if (batch === null) break;
    const loss = tf.tidy(() => batchLoss(model, tf.tensor2d(batch.tokens, [batch.batchSize, batch.rowLength], 'int32')));
    const n = batch.batchSize * (batch.rowLength - 1);
    // Async read: tfjs-webgpu cannot read synchronously in Node.
    weighted += ((await loss.data())[0] ?? NaN) * n;
    loss.dispose();
    tokens += n;
    batches += 1;
  }
  const mean = tokens > 0 ? weighted / tokens : NaN;
  return { loss: mean, perplexity: Math.exp(mean), tokens, batches };
}
