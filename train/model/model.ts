import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { crossEntropy } from './cross-entropy.js';
import { gptLogits, gptParamSpecs } from './gpt.js';
import { llamaLogits, llamaParamSpecs } from './llama.js';
import { ParamStore } from './params.js';

/** A causal language model: weights plus the function from token ids to next-token logits. */
export interface CausalLM {
  readonly config: ModelConfig;
  readonly params: ParamStore;
  /** Logits [B*T, V] for ids [B, T]; call inside tf.tidy. */
  logits(ids: tf.Tensor2D): tf.Tensor2D;
}

/** Builds the model `config.arch` names, its weights drawn from `seed`. */
export function createModel(config: ModelConfig, seed: number): CausalLM {
  const gpt = config.arch === 'gpt';
  const params = new ParamStore(gpt ? gptParamSpecs(config) : llamaParamSpecs(config), seed);
  return {
    config,
    params,
    logits: (ids) => (gpt ? gptLogits(config, params, ids) : llamaLogits(config, params, ids)),
  };
}

/**
 * Mean next-token loss of a batch of rows [B, T+1]: columns 0..T-1 are the input and 1..T the
 * targets (the loader's row = input/target pair). Call inside tf.tidy or tf.variableGrads.
 */
export function batchLoss(model: CausalLM, rows: tf.Tensor2D): tf.Scalar {
  const [B, width] = rows.shape;
  const T = width - 1;
  const input = tf.slice(rows, [0, 0], [B, T]) as tf.Tensor2D;
  const targets = tf.reshape(tf.slice(rows, [0, 1], [B, T]), [B * T]) as tf.Tensor1D;
  return crossEntropy(model.logits(input), targets);
}
