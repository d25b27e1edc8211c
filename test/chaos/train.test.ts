import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readMetrics, type StepRecord } from '../../train/index.js';
import { chaos, runNode } from './chaos-harness.js';

const child = fileURLToPath(new URL('../train/train-child.js', import.meta.url));
const STEPS = 40;

function args(out: string): string[] {
  const config = { data: 'memory', out, steps: STEPS, batchSize: 8, lr: 3e-3, backend: 'wasm', resume: true, model: { arch: 'gpt', dModel: 32, nLayer: 2, nHead: 2 }, evalEvery: 0, checkpointEvery: 3, keepCheckpoints: 2 };
  return [child, JSON.stringify(config)];
}

async function losses(out: string): Promise<[number, number][]> {
  const records = (await readMetrics(path.join(out, 'metrics.jsonl'))).filter((r): r is StepRecord => 'loss' in r);
  return records.map((r) => [r.step, r.loss]);
}

test('training survives 10 SIGKILLs: each step once, losses as in an uninterrupted run', { timeout: 600_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-train-'));
  const env = { KILN_TRAIN_CHILD: '1' };
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference), env);
  assert.equal(ref.code, 0, ref.stderr);
  const want = await losses(reference);
  assert.equal(want.length, STEPS);
  const out = path.join(dir, 'out');
  const r = await chaos({
    args: args(out),
    env,
    out,
    kills: 10,
    delays: { referenceMs: ref.ms },
    seed: 5,
    check: async () => {
      const got = await losses(out);
      assert.deepEqual(got.map(([s]) => s), want.map(([s]) => s), 'every step recorded exactly once');
      for (const [i, [, loss]] of got.entries()) assert.ok(Math.abs(loss - want[i][1]) < 1e-4, `step ${want[i][0]}: ${loss} vs ${want[i][1]}`);
    },
  });
  assert.equal(r.kills, 10);
  process.stdout.write(`# train chaos: ${r.kills} kills, ${r.completions} checked completions\n`);
});
