import * as tf from '@tensorflow/tfjs';

/**
 * Mean next-token cross-entropy of `logits` [N, V] against `targets` [N] (nats). One custom-gradient
 * op, so the backward pass is the textbook (softmax − onehot)/N, built by subtracting 1 at each
 * row's target in place of an [N, V] one-hot matrix: with GPT-2's 50k vocabulary an [N, V] tensor
 * is the largest thing in a step (N=1024: 206 MB), so each one avoided matters.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const [rows, vocab] = logits.shape;
  // Position of each row's target in the flattened [N*V] logits.
  const flatIndex = tf.tidy(() => tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), targets));
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // Saved, not closed over: tensors made during the forward pass are freed before backward runs.
    save([x, flatIndex]);
    const value = tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(x, 1), tf.gather(tf.reshape(x, [rows * vocab]), flatIndex))));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [saX, index] = saved as [tf.Tensor, tf.Tensor1D];
        const probs = tf.reshape(tf.softmax(saX), [rows * vocab]);
        const atTarget = tf.sub(tf.gather(probs, index), 1);
        const diff = tf.tensorScatterUpdate(probs, tf.expandDims(index, 1), atTarget);
        return [tf.mul(tf.reshape(diff, [rows, vocab]), tf.div(dy, rows))];
      },
    };
  }) as (x: tf.Tensor) => tf.Scalar;
  // flatIndex is not disposed here: it is saved for the backward pass, and the tape frees it after.
  return loss(logits);
}
