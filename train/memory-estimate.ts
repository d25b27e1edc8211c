// What one training step of a model needs, computed before the model is built, so a sequence
// length or batch that cannot fit is refused with the number instead of dying inside tfjs.
import os from 'node:os';
import { UsageError } from '../core/errors.js';
import { ffWidth, type ModelConfig } from './model/config.js';
import { gptParamSpecs } from './model/gpt.js';
import { llamaParamSpecs } from './model/llama.js';

/** V8's longest typed array (2^32 elements): tfjs allocates each tensor as one. */
const MAX_TENSOR_ELEMENTS = 2 ** 32;

/** Bytes and the largest single tensor of one micro-batch's forward + backward pass. */
export interface StepMemory {
  bytes: number;
  largest: { name: string; elements: number };
}

/** Weights of a model of this config, counted from its parameter specs (nothing is allocated). */
export function paramCount(m: ModelConfig): number {
  const specs = m.arch === 'gpt' ? gptParamSpecs(m) : llamaParamSpecs(m);
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Estimates one step: weights, grads and two AdamW moments, plus activations kept for backward. */
export function stepMemory(m: ModelConfig, batchSize: number): StepMemory {
  const params = paramCount(m);
  const B = batchSize;
  const T = m.seqLen;
  const tensors = [
    { name: `attention scores [${B}, ${m.nHead}, ${T}, ${T}]`, elements: B * m.nHead * T * T },
    { name: `logits [${B * T}, ${m.vocabSize}]`, elements: B * T * m.vocabSize },
    { name: `MLP hidden [${B * T}, ${ffWidth(m)}]`, elements: B * T * ffWidth(m) },
  ];
  // Per layer the backward pass keeps the scores and their softmax, the MLP hidden and ~8 [B,T,d]
  // tensors; logits, their softmax and gradient are live at the end. Float32 throughout.
  const perLayer = 2 * tensors[0].elements + 2 * tensors[2].elements + 8 * B * T * m.dModel;
  const activations = m.nLayer * perLayer + 3 * tensors[1].elements;
  const largest = tensors.reduce((a, b) => (b.elements > a.elements ? b : a));
  return { bytes: 4 * (4 * params + activations), largest };
}

/** Refuses a step that tfjs cannot allocate (a tensor over 2^32 elements) or that exceeds this machine's memory. */
export function checkStepMemory(mem: StepMemory, where: string): void {
  const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
  if (mem.largest.elements > MAX_TENSOR_ELEMENTS) {
    throw new UsageError(`${where}: one step needs a ${mem.largest.name} tensor (${mem.largest.elements.toExponential(2)} floats, over the 2^32 a tensor can hold) and about ${gib(mem.bytes)} in all; use shorter sequences (kiln shard --seq-len) or a smaller --batch-size`, { key: 'seq-len' });
  }
  if (mem.bytes > os.totalmem()) {
    throw new UsageError(`${where}: one step needs about ${gib(mem.bytes)} (largest tensor: ${mem.largest.name}), this machine has ${gib(os.totalmem())}; use shorter sequences or a smaller --batch-size or model`, { key: 'seq-len' });
  }
}
