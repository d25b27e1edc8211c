import * as tf from '@tensorflow/tfjs';

/** Swaps the last two axes (a batched matrix transpose). */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 2] = perm.length - 1;
  perm[perm.length - 1] = perm.length - 2;
  return tf.transpose(x, perm);
}

/**
 * `a @ b` for rank-2 or batched operands whose gradient never asks the backend for a transposed
 * matmul. tfjs's own gradient uses `matMul(dy, b, false, true)`, which the WASM backend runs
 * ~20x slower than a plain matmul (deps.md §3: 4.0 s vs 0.19 s); transposing first is cheap.
 */
export const matmul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast(sb)), tf.matMul(transposeLast(sa), dy)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
