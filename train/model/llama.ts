// Llama style decoder, read top to bottom: token embedding (no position table: positions enter
// as rotary embeddings on q and k), nLayer blocks of [RMSNorm → causal self-attention with RoPE →
// residual, RMSNorm → SwiGLU MLP → residual], a final RMSNorm and an untied head. No biases.
import * as tf from '@tensorflow/tfjs';
import { causalMask } from './causal-mask.js';
import { ffWidth, headDim, type ModelConfig } from './config.js';
import { embedding } from './embedding.js';
import { matmul } from './matmul.js';
import type { ParamSpec, ParamStore } from './params.js';

/** The weights a Llama of this config has, in a fixed order (their order sets their init seeds). */
export function llamaParamSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  const ff = ffWidth(c);
  const normal = { kind: 'normal' as const, std: c.initStd };
  const residual = { kind: 'normal' as const, std: c.initStd / Math.sqrt(2 * c.nLayer) };
  const specs: ParamSpec[] = [{ name: 'wte', shape: [c.vocabSize, d], init: normal, decay: true }];
  for (let l = 0; l < c.nLayer; l++) {
    specs.push(
      { name: `h${l}.attn_norm.g`, shape: [d], init: { kind: 'ones' }, decay: false },
      { name: `h${l}.attn.wq`, shape: [d, d], init: normal, decay: true },
      { name: `h${l}.attn.wk`, shape: [d, d], init: normal, decay: true },
      { name: `h${l}.attn.wv`, shape: [d, d], init: normal, decay: true },
      { name: `h${l}.attn.wo`, shape: [d, d], init: residual, decay: true },
      { name: `h${l}.mlp_norm.g`, shape: [d], init: { kind: 'ones' }, decay: false },
      { name: `h${l}.mlp.wgate`, shape: [d, ff], init: normal, decay: true },
      { name: `h${l}.mlp.wup`, shape: [d, ff], init: normal, decay: true },
      { name: `h${l}.mlp.wdown`, shape: [ff, d], init: residual, decay: true },
    );
  }
  specs.push({ name: 'norm.g', shape: [d], init: { kind: 'ones' }, decay: false });
  if (!c.tieEmbeddings) specs.push({ name: 'head', shape: [d, c.vocabSize], init: normal, decay: true });
  return specs;
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · g. */
function rmsNorm(x: tf.Tensor, g: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), g);
}

/**
 * Rotary tables for positions 0..T-1: cos and sin of pos·θ^(−2i/hd), each [T, hd] with the
 * hd/2 frequencies repeated for both halves (the "rotate half" layout).
 */
function ropeTables(T: number, hd: number, theta: number): { cos: tf.Tensor; sin: tf.Tensor } {
  const half = hd / 2;
  const cos = new Float32Array(T * hd);
  const sin = new Float32Array(T * hd);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.pow(theta, (-2 * i) / hd);
      cos[t * hd + i] = cos[t * hd + i + half] = Math.cos(angle);
      sin[t * hd + i] = sin[t * hd + i + half] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [T, hd]), sin: tf.tensor2d(sin, [T, hd]) };
}

/** Rotates each (x[i], x[i+hd/2]) pair of x [B, H, T, hd] by its position's angle. */
function applyRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const [x1, x2] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
  const rotated = tf.concat([tf.neg(x2), x1], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** Multi-head causal self-attention with RoPE over x [B*T, d] → [B*T, d]. */
function attention(c: ModelConfig, p: ParamStore, l: number, x: tf.Tensor, B: number, T: number, mask: tf.Tensor, rope: { cos: tf.Tensor; sin: tf.Tensor }): tf.Tensor {
  const H = c.nHead;
  const hd = headDim(c);
  const toHeads = (w: string) => tf.transpose(tf.reshape(matmul(x, p.get(`h${l}.attn.${w}`)), [B, T, H, hd]), [0, 2, 1, 3]);
  const q = applyRope(toHeads('wq'), rope.cos, rope.sin);
  const k = applyRope(toHeads('wk'), rope.cos, rope.sin);
  const v = toHeads('wv');
  const scores = tf.add(tf.mul(matmul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(hd)), mask);
  const y = matmul(tf.softmax(scores), v);
  return matmul(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, c.dModel]), p.get(`h${l}.attn.wo`));
}

/** SwiGLU MLP: (silu(x·Wgate) ⊙ x·Wup)·Wdown. */
function mlp(p: ParamStore, l: number, x: tf.Tensor): tf.Tensor {
  const gate = matmul(x, p.get(`h${l}.mlp.wgate`));
  const silu = tf.mul(gate, tf.sigmoid(gate));
  return matmul(tf.mul(silu, matmul(x, p.get(`h${l}.mlp.wup`))), p.get(`h${l}.mlp.wdown`));
}

/** Next-token logits [B*T, V] for token ids [B, T] (T <= seqLen). Call inside tf.tidy. */
export function llamaLogits(c: ModelConfig, p: ParamStore, ids: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = ids.shape;
  const wte = p.get('wte') as tf.Tensor2D;
  let x: tf.Tensor = embedding(wte, tf.reshape(ids, [B * T]) as tf.Tensor1D);
  const mask = causalMask(T);
  const rope = ropeTables(T, headDim(c), c.ropeTheta);
  for (let l = 0; l < c.nLayer; l++) {
    const h = tf.add(x, attention(c, p, l, rmsNorm(x, p.get(`h${l}.attn_norm.g`), c.normEps), B, T, mask, rope));
    x = tf.add(h, mlp(p, l, rmsNorm(h, p.get(`h${l}.mlp_norm.g`), c.normEps)));
  }
  x = rmsNorm(x, p.get('norm.g'), c.normEps);
  const head = c.tieEmbeddings ? tf.transpose(wte) : p.get('head');
  return matmul(x, head) as tf.Tensor2D;
}
