// GPT-2 style decoder, read top to bottom in the order data flows: embeddings (token + learned
// position), then nLayer blocks of [LayerNorm → causal self-attention → residual, LayerNorm → GELU
// MLP → residual], a final LayerNorm and the output head (tied to the token embedding by default).
import * as tf from '@tensorflow/tfjs';
import { causalMask } from './causal-mask.js';
import { ffWidth, headDim, type ModelConfig } from './config.js';
import { embedding } from './embedding.js';
import { matmul } from './matmul.js';
import type { ParamSpec, ParamStore } from './params.js';

/** The weights a GPT of this config has, in a fixed order (their order sets their init seeds). */
export function gptParamSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  const ff = ffWidth(c);
  const normal = { kind: 'normal' as const, std: c.initStd };
  const residual = { kind: 'normal' as const, std: c.initStd / Math.sqrt(2 * c.nLayer) };
  const specs: ParamSpec[] = [
    { name: 'wte', shape: [c.vocabSize, d], init: normal, decay: true },
    { name: 'wpe', shape: [c.seqLen, d], init: normal, decay: true },
  ];
  for (let l = 0; l < c.nLayer; l++) {
    specs.push(
      { name: `h${l}.ln1.g`, shape: [d], init: { kind: 'ones' }, decay: false },
      { name: `h${l}.ln1.b`, shape: [d], init: { kind: 'zeros' }, decay: false },
      { name: `h${l}.attn.wqkv`, shape: [d, 3 * d], init: normal, decay: true },
      { name: `h${l}.attn.bqkv`, shape: [3 * d], init: { kind: 'zeros' }, decay: false },
      { name: `h${l}.attn.wo`, shape: [d, d], init: residual, decay: true },
      { name: `h${l}.attn.bo`, shape: [d], init: { kind: 'zeros' }, decay: false },
      { name: `h${l}.ln2.g`, shape: [d], init: { kind: 'ones' }, decay: false },
      { name: `h${l}.ln2.b`, shape: [d], init: { kind: 'zeros' }, decay: false },
      { name: `h${l}.mlp.wfc`, shape: [d, ff], init: normal, decay: true },
      { name: `h${l}.mlp.bfc`, shape: [ff], init: { kind: 'zeros' }, decay: false },
      { name: `h${l}.mlp.wproj`, shape: [ff, d], init: residual, decay: true },
      { name: `h${l}.mlp.bproj`, shape: [d], init: { kind: 'zeros' }, decay: false },
    );
  }
  specs.push(
    { name: 'lnf.g', shape: [d], init: { kind: 'ones' }, decay: false },
    { name: 'lnf.b', shape: [d], init: { kind: 'zeros' }, decay: false },
  );
  if (!c.tieEmbeddings) specs.push({ name: 'head', shape: [d, c.vocabSize], init: normal, decay: true });
  return specs;
}

/** x [N, in] @ W [in, out] + b. */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(matmul(x, w), b);
}

/** LayerNorm over the last axis: (x − mean) / sqrt(var + eps) · g + b. */
function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

/** GELU, tanh approximation (as GPT-2). */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** Multi-head causal self-attention over x [B*T, d] → [B*T, d]. */
function attention(c: ModelConfig, p: ParamStore, l: number, x: tf.Tensor, B: number, T: number, mask: tf.Tensor): tf.Tensor {
  const H = c.nHead;
  const hd = headDim(c);
  const qkv = linear(x, p.get(`h${l}.attn.wqkv`), p.get(`h${l}.attn.bqkv`));
  // [B*T, d] → [B, H, T, hd] for each of q, k, v.
  const heads = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]));
  const [q, k, v] = heads as [tf.Tensor, tf.Tensor, tf.Tensor];
  const scores = tf.add(tf.mul(matmul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(hd)), mask);
  const y = matmul(tf.softmax(scores), v); // [B, H, T, hd]
  const merged = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, c.dModel]);
  return linear(merged, p.get(`h${l}.attn.wo`), p.get(`h${l}.attn.bo`));
}

/** Position-wise MLP: d → ff (GELU) → d. */
function mlp(p: ParamStore, l: number, x: tf.Tensor): tf.Tensor {
  const hidden = gelu(linear(x, p.get(`h${l}.mlp.wfc`), p.get(`h${l}.mlp.bfc`)));
  return linear(hidden, p.get(`h${l}.mlp.wproj`), p.get(`h${l}.mlp.bproj`));
}

/** One pre-norm transformer block. */
function block(c: ModelConfig, p: ParamStore, l: number, x: tf.Tensor, B: number, T: number, mask: tf.Tensor): tf.Tensor {
  const afterAttn = tf.add(x, attention(c, p, l, layerNorm(x, p.get(`h${l}.ln1.g`), p.get(`h${l}.ln1.b`), c.normEps), B, T, mask));
  return tf.add(afterAttn, mlp(p, l, layerNorm(afterAttn, p.get(`h${l}.ln2.g`), p.get(`h${l}.ln2.b`), c.normEps)));
}

/** Next-token logits [B*T, V] for token ids [B, T] (T <= seqLen). Call inside tf.tidy. */
export function gptLogits(c: ModelConfig, p: ParamStore, ids: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = ids.shape;
  const wte = p.get('wte') as tf.Tensor2D;
  const tokens = embedding(wte, tf.reshape(ids, [B * T]) as tf.Tensor1D); // [B*T, d]
  const positions = tf.slice(p.get('wpe'), [0, 0], [T, c.dModel]); // [T, d]
  let x: tf.Tensor = tf.reshape(tf.add(tf.reshape(tokens, [B, T, c.dModel]), positions), [B * T, c.dModel]);
  const mask = causalMask(T);
  for (let l = 0; l < c.nLayer; l++) x = block(c, p, l, x, B, T, mask);
  x = layerNorm(x, p.get('lnf.g'), p.get('lnf.b'), c.normEps);
  const head = c.tieEmbeddings ? tf.transpose(wte) : p.get('head');
  return matmul(x, head) as tf.Tensor2D;
}
