import * as tf from '@tensorflow/tfjs';

/**
 * [T, T] additive mask: 0 where query i may see key j (j <= i), a large negative number above the
 * diagonal so softmax gives those keys zero weight. -1e9 rather than -Infinity keeps a fully
 * masked row (never produced here) from turning into NaN.
 */
export function causalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => {
    const allowed = tf.linalg.bandPart(tf.ones([length, length]), -1, 0);
    return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor2D;
  });
}
