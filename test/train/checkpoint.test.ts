import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  checkpointsDir, CheckpointError, latestCheckpoint, MetricsLog, readCheckpoint, readMetrics, saveCheckpoint, selectBackend,
  type CheckpointManifest,
} from '../../train/index.js';

const CHILD = fileURLToPath(new URL('./train-child.js', import.meta.url));

before(async () => {
  await selectBackend('cpu');
});

function meta(step: number): Omit<CheckpointManifest, 'format' | 'version' | 'tensors' | 'tensorsSha256' | 'tensorsBytes' | 'createdAt'> {
  return {
    step,
    model: { arch: 'gpt', vocabSize: 4, seqLen: 2, dModel: 2, nLayer: 1, nHead: 1, tieEmbeddings: true, normEps: 1e-5, ropeTheta: 1e4, initStd: 0.02 },
    train: {},
    seed: 1,
    optimizer: { step, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    loader: { epoch: 0, state: { cursor: step } },
    initialValLoss: 1.5,
    tokenizer: null,
    eosId: null,
  };
}

test('checkpoints round-trip; a torn write, a corrupt newest and a killed swap all leave a usable one', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'kiln-ckpt-'));
  try {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor1d([5, 6, 7]);
    await saveCheckpoint(out, meta(10), [{ name: 'a', tensor: a }, { name: 'b', tensor: b }], 2);
    await saveCheckpoint(out, meta(20), [{ name: 'a', tensor: tf.mul(a, 2) }, { name: 'b', tensor: b }], 2);
    await saveCheckpoint(out, meta(30), [{ name: 'a', tensor: tf.mul(a, 3) }, { name: 'b', tensor: b }], 2);
    const root = checkpointsDir(out);
    assert.deepEqual((await readdir(root)).sort(), ['step-00000020', 'step-00000030'], 'keeps the 2 newest');

    let ck = (await latestCheckpoint(out))!;
    assert.equal(ck.manifest.step, 30);
    assert.deepEqual(Array.from(ck.tensors.get('a')!.values), [3, 6, 9, 12]);
    assert.deepEqual(ck.tensors.get('b')!.shape, [3]);
    assert.deepEqual(ck.manifest.loader, { epoch: 0, state: { cursor: 30 } });

    // A writer killed mid-checkpoint leaves only a .tmp dir: ignored, and cleaned by the trainer.
    await mkdir(path.join(root, '.tmp-step-00000040-999'));
    await writeFile(path.join(root, '.tmp-step-00000040-999', 'tensors.bin'), new Uint8Array(5));
    ck = (await latestCheckpoint(out, { clean: true }))!;
    assert.equal(ck.manifest.step, 30);
    assert.ok(!(await readdir(root)).some((n) => n.startsWith('.tmp-')));

    // Bit rot in the newest checkpoint: its checksum fails and the previous one is used.
    await writeFile(path.join(root, 'step-00000030', 'tensors.bin'), new Uint8Array(24));
    await assert.rejects(readCheckpoint(path.join(root, 'step-00000030')), CheckpointError);
    const skipped: string[] = [];
    ck = (await latestCheckpoint(out, { onSkip: (dir) => skipped.push(path.basename(dir)) }))!;
    assert.equal(ck.manifest.step, 20);
    assert.deepEqual(skipped, ['step-00000030']);

    // Killed between moving an old step-N aside and renaming its replacement in: the old one returns.
    await rename(path.join(root, 'step-00000020'), path.join(root, 'step-00000020.old-999'));
    ck = (await latestCheckpoint(out, { clean: true, onSkip: () => undefined }))!;
    assert.equal(ck.manifest.step, 20);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('metrics.jsonl reopened for a resume keeps only the steps up to the checkpoint (and survives a torn line)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-metrics-'));
  try {
    const file = path.join(dir, 'metrics.jsonl');
    const log = await MetricsLog.open(file, undefined);
    for (let step = 1; step <= 5; step++) await log.write({ step, loss: step, lr: 0, tokens_per_s: 0, data_wait_ms: 0, compute_ms: 0, grad_norm: 0 });
    await log.close();
    await writeFile(file, '{"step":6,"lo', { flag: 'a' });
    assert.equal((await readMetrics(file)).length, 5);
    const resumed = await MetricsLog.open(file, 3);
    await resumed.close();
    assert.deepEqual((await readMetrics(file)).map((r) => r.step), [1, 2, 3]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGKILL at random moments of a run that checkpoints every step always leaves a checkpoint that loads', async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'kiln-kill-'));
  try {
    const cfg = { data: 'memory', out, steps: 400, batchSize: 8, backend: 'wasm', model: { arch: 'gpt', dModel: 32, nLayer: 1, nHead: 2 }, evalEvery: 0, checkpointEvery: 1, keepCheckpoints: 1 };
    let lastStep = 0;
    for (const delayMs of [40, 130, 270]) {
      const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, resume: lastStep > 0 })], { env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_TRAIN_CHILD: '1', KILN_LOG: 'silent' }, stdio: 'ignore' });
      // Wait until this child has written a checkpoint of its own, then kill it a little later:
      // with one checkpoint per step, the kill lands inside or between checkpoint writes.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && ((await latestCheckpoint(out))?.manifest.step ?? 0) <= lastStep) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const ck = await latestCheckpoint(out);
      assert.ok(ck !== undefined, `a checkpoint survives a kill after ${delayMs} ms`);
      assert.ok(ck.manifest.step >= lastStep, 'progress is never lost');
      lastStep = ck.manifest.step;
    }
    assert.ok(lastStep > 0);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
