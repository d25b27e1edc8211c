import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../core/input-files.js';
import { readSuccess } from '../../core/dataset-manifest.js';
import { chaos, runNode } from '../chaos/chaos-harness.js';
import { writeJsonlCorpus } from './corpus.js';

const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'toy-run.js');

function start(out: string, inputs: string[]): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [runner, out, '2', '15', ...inputs], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_LOG: 'silent' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (code) process.stderr.write(stderr);
    resolve(code);
  }));
  return { done, kill: () => child.kill('SIGKILL') };
}

async function contents(out: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const d of readDocuments([out])) rows.push(`${d.id}\t${d.text}`);
  return rows.sort();
}

test('SIGKILL at 20 random moments, resumed each time, gives exactly the uninterrupted output', { timeout: 300_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-kill-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 4, 400, 7);
  const args = (out: string) => [runner, out, '2', '15', ...inputs];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const want = await contents(reference);
  assert.equal(new Set(want).size, want.length);
  const refSuccess = await readSuccess(reference);

  const out = path.join(dir, 'killed');
  const r = await chaos({
    args: args(out),
    out,
    kills: 20,
    delays: { referenceMs: ref.ms },
    seed: 42,
    check: async () => {
      const got = await contents(out);
      assert.equal(got.length, want.length, 'no record lost or written twice');
      assert.deepEqual(got, want);
      assert.deepEqual((await readSuccess(out))?.stats, refSuccess?.stats, 'counters survive kills exactly');
    },
  });
  assert.equal(r.kills, 20);
});

test('SIGTERM stops cleanly after the current commit; a rerun completes the same output', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-term-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 2, 600, 9);
  const reference = path.join(dir, 'reference');
  assert.equal(await start(reference, inputs).done, 0);
  const out = path.join(dir, 'out');
  const child = spawn(process.execPath, [runner, out, '2', '15', ...inputs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_LOG: 'silent' } });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  // Wait for the first commit: by then the stop handler is installed and work is under way.
  for (let i = 0; i < 300; i++) {
    const commits = await fs.readdir(path.join(out, '_kiln', 'commits')).catch(() => []);
    if (commits.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const sent = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0, 'a stop on SIGTERM is a clean exit');
  assert.ok(Date.now() - sent < 5000, 'stops promptly');
  const summary = JSON.parse(stdout) as { stopped: boolean };
  assert.equal(summary.stopped, true);
  assert.equal(await readSuccess(out), undefined);
  assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('.')), []);
  assert.equal(await start(out, inputs).done, 0);
  assert.deepEqual(await contents(out), await contents(reference));
});
