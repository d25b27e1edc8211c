import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../core/log.js';
import { acquireLock, PipelineLockedError } from '../../pipelines/lock.js';
import { runCli, tempDir, toyPipelineYaml, writePipeline } from './toy-pipeline.js';

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a stale lock of a dead process is taken over, with a log line', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'lock');
  const pid = deadPid();
  await fs.writeFile(file, JSON.stringify({ pid, host: os.hostname(), started: '2020-01-01T00:00:00.000Z', command: 'kiln run old.yaml' }));
  const lines: string[] = [];
  const prev = process.env.KILN_LOG;
  delete process.env.KILN_LOG;
  const log = createLogger({}, (l) => lines.push(l));
  try {
    const lock = await acquireLock(file, { log });
    const owner = JSON.parse(await fs.readFile(file, 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, os.hostname());
    assert.ok(!Number.isNaN(Date.parse(owner.started)));
    const event = lines.map((l) => JSON.parse(l)).find((e) => e.event === 'stale_lock_taken_over');
    assert.ok(event, `log lines: ${lines.join('\n')}`);
    assert.equal(event.pid, pid);
    await lock.release();
    await assert.rejects(fs.stat(file), { code: 'ENOENT' });
    assert.deepEqual((await fs.readdir(dir)).filter((n) => n.startsWith('lock')), []);
  } finally {
    if (prev !== undefined) process.env.KILN_LOG = prev;
  }
});

test('a live lock is respected: refused at once, or waited for', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'lock');
  const held = await acquireLock(file);
  await assert.rejects(acquireLock(file), (err: unknown) => err instanceof PipelineLockedError && err.owner.pid === process.pid && /already running: pid \d+ on /.test(err.message));
  // A lock from another host cannot be checked and is never taken over.
  const foreign = path.join(dir, 'foreign-lock');
  await fs.writeFile(foreign, JSON.stringify({ pid: deadPid(), host: 'some-other-host', started: 'x', command: 'kiln run' }));
  await assert.rejects(acquireLock(foreign), PipelineLockedError);
  let waited = false;
  const waiting = acquireLock(file, { wait: true, pollMs: 20, onWait: () => (waited = true) });
  await new Promise((r) => setTimeout(r, 150));
  await held.release();
  const second = await waiting;
  assert.ok(waited);
  await second.release();
});

test('two kiln run at once: one runs, the other exits with a clear message; --wait waits then skips', async () => {
  const dir = await tempDir();
  const release = path.join(dir, 'release');
  // The first run holds its lock inside the upper stage until the test creates `release`.
  const file = await writePipeline(dir, toyPipelineYaml({ count: 12, tasks: 1, holdUntil: release }));
  const lock = path.join(dir, 'work/_pipeline/lock');
  const first = runCli(['run', file]);
  await waitFor(() => fs.stat(lock).then(() => true, () => false), 30_000, 'the first run to take the lock');
  const second = runCli(['run', file]);
  const third = runCli(['run', file, '--wait']);
  const r2 = await second.done;
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(r2.stderr, /KILN_PIPELINE_LOCKED: pipeline is already running: pid \d+ on /);
  await waitFor(async () => /waiting/.test(third.stderr()), 30_000, 'the --wait run to start waiting');
  await fs.writeFile(release, '');
  const [r1, r3] = await Promise.all([first.done, third.done]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stdout, /upper\s+ran\s+12\s+12/);
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stderr, /pipeline is running .*waiting/);
  assert.match(r3.stdout, /source\s+skipped/);
  assert.match(r3.stdout, /upper\s+skipped/);
});
