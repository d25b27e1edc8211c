import * as tf from '@tensorflow/tfjs';

/**
 * Sum of many same-shaped tensors as a tree of pairwise adds. Not tf.addN: its WebGPU kernel binds
 * every input as a storage buffer in one shader, and WebGPU's default limit is 8 per stage, so an
 * addN over a model's ~30+ gradient norms fails validation on Dawn.
 */
export function sumPairwise(tensors: tf.Tensor[]): tf.Tensor {
  if (tensors.length === 0) throw new Error('sumPairwise of nothing');
  let level = tensors;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/**
 * Scales `grads` in place so their global L2 norm is at most `maxNorm` (0 disables clipping) and
 * returns the norm before clipping as a scalar tensor. Decided on the device, with no read back:
 * a synchronous read stalls a GPU pipeline every step (and tfjs-webgpu cannot read synchronously
 * in Node at all); the caller reads the norm asynchronously when it logs it.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): tf.Scalar {
  const norm = tf.tidy(() => tf.sqrt(sumPairwise([...grads.values()].map((g) => tf.sum(tf.square(g)))))) as tf.Scalar;
  if (maxNorm > 0) {
    // 1 where the norm is within bounds (a multiply by 1 is exact), else maxNorm / norm.
    const scale = tf.tidy(() => tf.where(tf.greater(norm, maxNorm), tf.div(maxNorm, tf.add(norm, 1e-6)), tf.onesLike(norm)));
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, scale));
      g.dispose();
    }
    scale.dispose();
  }
  return norm;
}
