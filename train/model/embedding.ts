import * as tf from '@tensorflow/tfjs';

/**
 * Rows of `table` [V, d] picked by `ids` [N] → [N, d]. The gradient is a scatter-add (ScatterNd sums
 * repeated ids) because tf.gather's own gradient needs UnsortedSegmentSum, which the WASM backend
 * lacks (deps.md §3); a one-hot matmul would also work but costs an [N, V] matrix.
 */
export function embedding(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const [vocab, width] = table.shape;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // Saved, not closed over: tensors made during the forward pass are freed before backward runs.
    save([ids]);
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.expandDims(saved[0]!, 1), dy, [vocab, width])],
    };
  }) as (t: tf.Tensor) => tf.Tensor2D;
  return lookup(table);
}
