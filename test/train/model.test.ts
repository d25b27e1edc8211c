import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchLoss, createModel, modelConfigFor, selectBackend, type CausalLM } from '../../train/index.js';
import { crossEntropy } from '../../train/model/cross-entropy.js';
import { embedding } from '../../train/model/embedding.js';
import { matmul } from '../../train/model/matmul.js';

const ROWS = [
  [1, 2, 3, 4, 5, 6],
  [6, 5, 4, 3, 2, 0],
  [3, 3, 1, 0, 6, 2],
];

/** Central-difference check of every parameter tensor's gradient at a few entries. */
function checkGradients(model: CausalLM): void {
  const rows = tf.tensor2d(ROWS, [3, 6], 'int32');
  const loss = (): number => tf.tidy(() => batchLoss(model, rows).dataSync()[0]!);
  const { grads, value } = tf.variableGrads(() => batchLoss(model, rows), model.params.list());
  value.dispose();
  const eps = 1e-3;
  let checked = 0;
  for (const spec of model.params.specs) {
    const v = model.params.get(spec.name);
    const analytic = grads[v.name]!.dataSync();
    const original = v.dataSync().slice();
    // The entry with the largest gradient plus two fixed ones: enough to catch a wrong formula.
    let largest = 0;
    for (let i = 1; i < analytic.length; i++) if (Math.abs(analytic[i]!) > Math.abs(analytic[largest]!)) largest = i;
    for (const i of new Set([largest, 0, original.length - 1])) {
      const probe = (delta: number): number => {
        const shifted = original.slice();
        shifted[i] = shifted[i]! + delta;
        v.assign(tf.tensor(shifted, v.shape));
        return loss();
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      v.assign(tf.tensor(original, v.shape));
      const err = Math.abs(numeric - analytic[i]!);
      assert.ok(err <= 2e-3 + 0.03 * Math.abs(analytic[i]!), `${spec.name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
      checked++;
    }
  }
  assert.ok(checked >= model.params.specs.length);
  tf.dispose(Object.values(grads));
  rows.dispose();
}

describe('model gradients (cpu backend)', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const arch of ['gpt', 'llama'] as const) {
    test(`${arch}: every parameter's gradient matches central differences`, () => {
      const config = modelConfigFor({ arch, dModel: 8, nLayer: 2, nHead: 2, tieEmbeddings: arch === 'gpt' }, { vocabSize: 7, seqLen: 5 });
      const model = createModel(config, 3);
      checkGradients(model);
      model.params.dispose();
    });
  }

  test('custom matmul, embedding and cross-entropy give the same values and gradients as the stock tfjs ops', () => {
    const a = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 2);
    const w = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 3);
    const mine = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matmul(x, y), w)))([a, b]);
    const stock = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]);
    for (let i = 0; i < 2; i++) assert.ok(tf.max(tf.abs(tf.sub(mine[i]!, stock[i]!))).dataSync()[0]! < 1e-4);

    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
    const ids = tf.tensor1d([5, 1, 5, 0, 5], 'int32');
    const weights = tf.randomNormal([5, 3], 0, 1, 'float32', 5);
    const gMine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedding(t as tf.Tensor2D, ids), weights)))(table);
    const gStock = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)))(table);
    assert.ok(tf.max(tf.abs(tf.sub(gMine, gStock))).dataSync()[0]! < 1e-5);

    const logits = tf.randomNormal([4, 6], 0, 2, 'float32', 6) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 5, 2, 2], 'int32');
    const stockLoss = (x: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(targets, 6), x);
    assert.ok(Math.abs(crossEntropy(logits, targets).dataSync()[0]! - stockLoss(logits).dataSync()[0]!) < 1e-5);
    const gl = tf.grad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, targets))(logits);
    const gs = tf.grad(stockLoss)(logits);
    assert.ok(tf.max(tf.abs(tf.sub(gl, gs))).dataSync()[0]! < 1e-5);
  });

  test('the same model gives the same loss and gradients on wasm as on cpu', async () => {
    const config = modelConfigFor({ arch: 'gpt', dModel: 8, nLayer: 1, nHead: 2 }, { vocabSize: 7, seqLen: 5 });
    const run = async (backend: 'cpu' | 'wasm'): Promise<number[]> => {
      await selectBackend(backend);
      const model = createModel(config, 9);
      const rows = tf.tensor2d(ROWS, [3, 6], 'int32');
      const { value, grads } = tf.variableGrads(() => batchLoss(model, rows), model.params.list());
      const out = [value.dataSync()[0]!, ...model.params.list().flatMap((v) => Array.from(grads[v.name]!.dataSync().slice(0, 4)))];
      tf.dispose([value, rows, ...Object.values(grads)]);
      model.params.dispose();
      return out;
    };
    const onCpu = await run('cpu');
    const onWasm = await run('wasm');
    await selectBackend('cpu');
    onCpu.forEach((x, i) => assert.ok(Math.abs(x - onWasm[i]!) < 1e-4 + 1e-3 * Math.abs(x), `value ${i}: cpu ${x} wasm ${onWasm[i]}`));
  });
});
