import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readMetrics, type StepRecord, type TrainSummary } from '../../train/index.js';

const CHILD = fileURLToPath(new URL('./train-child.js', import.meta.url));

function config(out: string, resume: boolean): Record<string, unknown> {
  return {
    data: 'memory', out, steps: 60, batchSize: 8, lr: 3e-3, backend: 'wasm', resume,
    model: { arch: 'gpt', dModel: 32, nLayer: 2, nHead: 2 }, evalEvery: 20, checkpointEvery: 7, keepCheckpoints: 2,
  };
}

/** Runs the child to completion, or SIGKILLs it once metrics.jsonl reaches `killAtStep`. */
function runChild(cfg: Record<string, unknown>, killAtStep?: number): Promise<{ summary?: TrainSummary; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(cfg)], {
      env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_TRAIN_CHILD: '1', KILN_LOG: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (killAtStep !== undefined) {
      const metrics = path.join(String(cfg.out), 'metrics.jsonl');
      timer = setInterval(() => {
        void readFile(metrics, 'utf8').then(
          (text) => {
            if (text.split('\n').some((l) => l.startsWith(`{"step":${killAtStep},"loss"`))) child.kill('SIGKILL');
          },
          () => undefined,
        );
      }, 5);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL') return resolve({ killed: true });
      if (code !== 0) return reject(new Error(`child exited ${code}`));
      resolve({ summary: JSON.parse(stdout.trim().split('\n').pop()!) as TrainSummary, killed: false });
    });
  });
}

async function losses(file: string): Promise<Map<number, number>> {
  return new Map((await readMetrics(file)).filter((r): r is StepRecord => 'loss' in r).map((r) => [r.step, r.loss]));
}

test('a run SIGKILLed mid-training and resumed reproduces the uninterrupted losses', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'kiln-resume-'));
  try {
    const straight = await runChild(config(path.join(root, 'straight'), false));
    const reference = await losses(straight.summary!.metrics);
    assert.equal(reference.size, 60);

    const out = path.join(root, 'killed');
    const first = await runChild(config(out, false), 38);
    assert.ok(first.killed, 'the child should have been killed before finishing');
    const resumed = await runChild(config(out, true));
    const summary = resumed.summary!;
    // Checkpoints every 7 steps: the kill at step >= 38 resumes from step 35 (or 42 if it ran on).
    assert.ok(summary.resumed_from !== null && summary.resumed_from >= 35 && summary.resumed_from % 7 === 0, `resumed_from ${summary.resumed_from}`);
    assert.equal(summary.steps, 60);
    const got = await losses(summary.metrics);
    assert.deepEqual([...got.keys()], [...reference.keys()], 'metrics.jsonl holds each step exactly once');
    for (const [step, loss] of reference) {
      assert.ok(Math.abs(loss - got.get(step)!) <= 1e-5 * Math.max(1, Math.abs(loss)), `step ${step}: ${loss} vs ${got.get(step)}`);
    }
    assert.ok(Math.abs(summary.val_loss! - straight.summary!.val_loss!) < 1e-5);
    assert.equal(summary.initial_val_loss, straight.summary!.initial_val_loss);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
