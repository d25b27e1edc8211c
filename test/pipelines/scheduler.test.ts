import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { acquireLock } from '../../pipelines/lock.js';
import { schedulePipeline } from '../../pipelines/scheduler.js';
import { createRegistry } from '../../pipelines/stage-registry.js';
import { runCli, tempDir, toyPipelineYaml, writePipeline } from './toy-pipeline.js';

const noBuiltins = createRegistry([]);

function capture(): { log: ReturnType<typeof createLogger>; events: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  return { log: createLogger({}, (l) => lines.push(l)), events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('the scheduler runs on its cron, logs JSON lines, and skips a tick while another run holds the lock', async () => {
  const prev = process.env.KILN_LOG;
  delete process.env.KILN_LOG; // the captured logger must write
  try {
    const dir = await tempDir();
    const file = await writePipeline(dir, toyPipelineYaml({ count: 4, tasks: 1 }));
    const { log, events } = capture();
    // Every second; the first run does the work, the second finds it done.
    const result = await schedulePipeline(file, { cron: '* * * * * *', maxRuns: 2, registry: noBuiltins, log });
    assert.equal(result.runs, 2);
    const ends = events().filter((e) => e.event === 'run_end');
    assert.deepEqual(ends.map((e) => (e.stages as Array<{ status: string }>).map((s) => s.status)), [['ran', 'ran'], ['skipped', 'skipped']]);
    assert.ok(events().some((e) => e.event === 'schedule_start' && e.cron === '* * * * * *'));

    const lock = await acquireLock(path.join(dir, 'work/_pipeline/lock'));
    const second = capture();
    await schedulePipeline(file, { cron: '* * * * * *', maxRuns: 1, registry: noBuiltins, log: second.log });
    await lock.release();
    const skipped = second.events().find((e) => e.event === 'run_skipped_locked');
    assert.ok(skipped, JSON.stringify(second.events()));
    assert.equal((skipped.holder as { pid: number }).pid, process.pid);
  } finally {
    if (prev !== undefined) process.env.KILN_LOG = prev;
  }
});

test('an invalid cron expression or a missing schedule is a usage error', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({}));
  await assert.rejects(schedulePipeline(file, { registry: noBuiltins }), (e: unknown) => e instanceof UsageError && /no schedule/.test(e.message));
  await assert.rejects(schedulePipeline(file, { cron: '61 * * * *', registry: noBuiltins }), (e: unknown) => e instanceof UsageError && /invalid cron expression "61 \* \* \* \*"/.test(e.message));
});

test('kiln schedule exits cleanly on SIGTERM after the running stage commits, releasing the lock', async () => {
  const dir = await tempDir();
  // The upper stage waits for a file that never comes: SIGTERM must still end the run cleanly.
  const file = await writePipeline(dir, toyPipelineYaml({ count: 6, tasks: 1, holdUntil: path.join(dir, 'never') }));
  const lock = path.join(dir, 'work/_pipeline/lock');
  const cli = runCli(['schedule', file, '--cron', '* * * * * *'], { env: { KILN_LOG: '' } });
  const end = Date.now() + 40_000;
  // Wait until the run is inside the upper stage (its output planned).
  while (!(await fs.stat(path.join(dir, 'work/upper/_kiln/dataset.json')).then(() => true, () => false))) {
    assert.ok(Date.now() < end, `no run started: ${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  process.kill(cli.pid!, 'SIGTERM');
  const r = await cli.done;
  assert.equal(r.code, 0, r.stderr);
  const events = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const runEnd = events.find((e) => e.event === 'run_end');
  assert.equal(runEnd?.status, 'stopped', r.stderr);
  assert.ok(events.some((e) => e.event === 'schedule_stop'));
  await assert.rejects(fs.stat(lock), { code: 'ENOENT' });
});
