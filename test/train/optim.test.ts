import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipByGlobalNorm, learningRate, ParamStore, selectBackend } from '../../train/index.js';

before(async () => {
  await selectBackend('cpu');
});

test('learning rate warms up linearly, then follows a cosine down to minLr', () => {
  const s = { lr: 1, minLr: 0.1, warmupSteps: 10, decaySteps: 110 };
  assert.equal(learningRate(0, s), 0.1);
  assert.equal(learningRate(9, s), 1);
  assert.ok(Math.abs(learningRate(10, s) - 1) < 1e-12);
  assert.ok(Math.abs(learningRate(60, s) - 0.55) < 1e-12); // halfway: mean of lr and minLr
  assert.ok(Math.abs(learningRate(110, s) - 0.1) < 1e-12);
  assert.equal(learningRate(500, s), 0.1);
  for (let i = 11; i < 110; i++) assert.ok(learningRate(i, s) <= learningRate(i - 1, s));
});

test('global-norm clipping scales every gradient by the same factor and reports the norm before', async () => {
  const grads = new Map<string, tf.Tensor>([
    ['a', tf.tensor1d([3, 0])],
    ['b', tf.tensor1d([0, 4])],
  ]);
  const norm = async (maxNorm: number) => {
    const t = clipByGlobalNorm(grads, maxNorm);
    const value = (await t.data())[0]!;
    t.dispose();
    return value;
  };
  assert.ok(Math.abs((await norm(1)) - 5) < 1e-6);
  assert.deepEqual(Array.from(grads.get('a')!.dataSync()).map((x) => +x.toFixed(5)), [0.6, 0]);
  assert.deepEqual(Array.from(grads.get('b')!.dataSync()).map((x) => +x.toFixed(5)), [0, 0.8]);
  assert.ok(Math.abs((await norm(10)) - 1) < 1e-5); // under the limit: untouched
  assert.ok(Math.abs(grads.get('a')!.dataSync()[0]! - 0.6) < 1e-6);
});

test('AdamW matches a hand computation, decaying matrices but not biases (decoupled from the moments)', () => {
  const params = new ParamStore(
    [
      { name: 'w', shape: [1, 1], init: { kind: 'ones' }, decay: true },
      { name: 'b', shape: [1], init: { kind: 'ones' }, decay: false },
    ],
    0,
  );
  const cfg = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.5 };
  const opt = new AdamW(params, cfg);
  const lr = 0.1;
  // Reference in float64 for two steps with gradients 2 then -1.
  const ref = (decay: boolean): number => {
    let p = 1;
    let m = 0;
    let v = 0;
    [2, -1].forEach((g, i) => {
      const t = i + 1;
      m = 0.9 * m + 0.1 * g;
      v = 0.95 * v + 0.05 * g * g;
      const update = m / (1 - 0.9 ** t) / (Math.sqrt(v / (1 - 0.95 ** t)) + 1e-8);
      p = (decay ? p * (1 - lr * 0.5) : p) - lr * update;
    });
    return p;
  };
  for (const g of [2, -1]) {
    opt.apply(new Map<string, tf.Tensor>([['w', tf.tensor2d([[g]])], ['b', tf.tensor1d([g])]]), lr);
  }
  assert.equal(opt.step, 2);
  assert.ok(Math.abs(params.get('w').dataSync()[0]! - ref(true)) < 1e-6);
  assert.ok(Math.abs(params.get('b').dataSync()[0]! - ref(false)) < 1e-6);
  assert.notEqual(ref(true), ref(false));
  opt.dispose();
  params.dispose();
});
