import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readMetrics, train } from '../../train/index.js';
import { markovCorpus, memorySource, unigramEntropy } from './memory-source.js';

const V = 16;
const T = 16;

for (const arch of ['gpt', 'llama'] as const) {
  test(`${arch}: a tiny model's loss falls well below the unigram entropy within 200 steps (wasm)`, async () => {
    const out = await mkdtemp(path.join(tmpdir(), `kiln-learn-${arch}-`));
    try {
      const trainTokens = markovCorpus(40000, V, 0.1, 1);
      const valTokens = markovCorpus(4000, V, 0.1, 2);
      const entropy = unigramEntropy(valTokens, V);
      const summary = await train(
        { data: 'memory', out, steps: 200, batchSize: 8, lr: 3e-3, backend: 'wasm', model: { arch, dModel: 32, nLayer: 1, nHead: 2 }, evalEvery: 100, checkpointEvery: 0 },
        { openSource: memorySource(trainTokens, valTokens, T, V) },
      );
      assert.equal(summary.steps, 200);
      assert.equal(summary.backend, 'wasm');
      // Untrained, the model is about as good as guessing uniformly.
      assert.ok(Math.abs(summary.initial_val_loss! - Math.log(V)) < 0.2, `initial ${summary.initial_val_loss}`);
      // The corpus's next token is a function of the previous one 90% of the time (≈0.57 nats);
      // a model that ignored context could not go below the unigram entropy (≈2.77 nats).
      assert.ok(summary.val_loss! < 0.5 * entropy, `val ${summary.val_loss} vs unigram ${entropy}`);
      assert.ok(summary.final_loss! < 0.5 * entropy);
      assert.ok(Math.abs(summary.val_perplexity! - Math.exp(summary.val_loss!)) < 1e-9);
      assert.ok(summary.tokens_per_s > 0 && summary.data_wait_share >= 0 && summary.data_wait_share < 1);

      const records = await readMetrics(summary.metrics);
      const steps = records.filter((r) => 'loss' in r);
      assert.equal(steps.length, 200);
      for (const r of steps) {
        for (const key of ['step', 'loss', 'lr', 'tokens_per_s', 'data_wait_ms', 'compute_ms', 'grad_norm']) {
          assert.ok(Number.isFinite((r as unknown as Record<string, number>)[key]), `${key} in ${JSON.stringify(r)}`);
        }
      }
      assert.deepEqual(records.filter((r) => 'val_loss' in r).map((r) => r.step), [0, 100, 200]);
      const html = await readFile(summary.report, 'utf8');
      assert.match(html, /uPlot/);
      assert.match(html, /train loss/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}

test('gradient accumulation of 2 batches of 4 matches one batch of 8 on the same rows', async () => {
  const trainTokens = markovCorpus(4000, V, 0.1, 5);
  const valTokens = markovCorpus(1000, V, 0.1, 6);
  const run = async (batchSize: number, gradAccum: number): Promise<number[]> => {
    const out = await mkdtemp(path.join(tmpdir(), 'kiln-accum-'));
    try {
      const summary = await train(
        { data: 'memory', out, steps: 5, batchSize, gradAccum, backend: 'cpu', model: { arch: 'gpt', dModel: 16, nLayer: 1, nHead: 2 }, evalEvery: 0, checkpointEvery: 0 },
        { openSource: memorySource(trainTokens, valTokens, T, V) },
      );
      return (await readMetrics(summary.metrics)).filter((r) => 'loss' in r).map((r) => (r as { loss: number }).loss);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  };
  // The memory source shuffles rows per epoch, so 2x4 consecutive rows are the same 8 rows as 1x8.
  const whole = await run(8, 1);
  const tensorsBefore = tf.memory().numTensors;
  const accumulated = await run(4, 2);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'a finished run frees every tensor it made');
  whole.forEach((loss, i) => assert.ok(Math.abs(loss - accumulated[i]!) < 1e-4, `step ${i + 1}: ${loss} vs ${accumulated[i]}`));
});
