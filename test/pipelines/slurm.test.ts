import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SlurmJobFailedError } from '../../pipelines/executors/slurm.js';
import { jobsInQueue } from '../../pipelines/executors/slurm-jobs.js';
import { pipelineStatus } from '../../pipelines/pipeline-status.js';
import { runPipeline } from '../../pipelines/runner.js';
import { createRegistry } from '../../pipelines/stage-registry.js';
import { readSorted, tempDir, toyPipelineYaml, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';
// Slurm jobs inherit this environment; jobs cancelled on purpose must not leave truncated V8
// coverage files (this process keeps the coverage directory it started with).
delete process.env.NODE_V8_COVERAGE;

const noBuiltins = createRegistry([]);
// Fast polling; tasks fixed at submit time; P=4 elements at once.
const SLURM = 'slurm: { tasks: 3, parallelism: 4, poll_seconds: 0.3 }';

/** Why Slurm tests cannot run here, or undefined when a cluster answers. CI sets KILN_TEST_SLURM=1 (must run). */
function slurmMissing(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' }).status !== 0) return 'sbatch not on PATH (start one with: bash .ci/slurm.sh start)';
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  if (sinfo.status !== 0 || !/idle|mixed|allocated/.test(sinfo.stdout)) return `no Slurm node up (sinfo: ${(sinfo.stderr || sinfo.stdout).trim().slice(0, 120)}); start one with: bash .ci/slurm.sh start`;
  return undefined;
}
const missing = slurmMissing();
const required = process.env.KILN_TEST_SLURM === '1';

function slurmTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t) => {
    if (missing) {
      if (required) assert.fail(`KILN_TEST_SLURM=1 but ${missing}`);
      t.skip(`Slurm absent: ${missing}`);
      return;
    }
    await fn();
  });
}

slurmTest('executor slurm: job arrays chained with afterok give the same output as local', async () => {
  const dir = await tempDir();
  const local = await writePipeline(dir, toyPipelineYaml({ count: 25, tasks: 3 }), 'local.yaml');
  const slurmDir = await tempDir();
  const slurm = await writePipeline(slurmDir, toyPipelineYaml({ count: 25, tasks: 3, executor: 'slurm', extra: SLURM }), 'slurm.yaml');
  await runPipeline(local, { registry: noBuiltins, quiet: true });
  const result = await runPipeline(slurm, { registry: noBuiltins, quiet: true });
  assert.equal(result.executor, 'slurm');
  assert.deepEqual(result.reports.map((r) => [r.key, r.status, r.docsOut]), [['source', 'ran', 25], ['upper', 'ran', 25]]);
  for (const stage of ['source', 'upper']) {
    assert.deepEqual(await readSorted(path.join(slurmDir, 'work', stage)), await readSorted(path.join(dir, 'work', stage)), `stage ${stage}`);
  }
  // Each stage: an array job and a finalize job; scripts quote every argument.
  assert.equal(result.reports[1].jobs?.length, 2);
  const runDir = path.join(slurmDir, 'work/_pipeline/slurm', (await fs.readdir(path.join(slurmDir, 'work/_pipeline/slurm')))[0]);
  const script = await fs.readFile(path.join(runDir, 'upper-task.sh'), 'utf8');
  assert.match(script, /task \S*slurm\.yaml --stage upper --tasks 3 --task "\$SLURM_ARRAY_TASK_ID"/);
  // Every job's log lands in the run's logs/ folder (not beside it as logsupper-...).
  const logs = await fs.readdir(path.join(runDir, 'logs'));
  for (const stage of ['source', 'upper']) {
    for (let task = 0; task < 3; task++) assert.ok(logs.some((f) => new RegExp(`^${stage}-\\d+_${task}\\.log$`).test(f)), `${stage} task ${task} log in logs/: ${logs.join(' ')}`);
    assert.ok(logs.some((f) => new RegExp(`^${stage}-finalize-\\d+\\.log$`).test(f)), `${stage} finalize log in logs/`);
  }
  assert.deepEqual((await fs.readdir(runDir)).filter((f) => f.endsWith('.log')), []);
  // The second run skips both stages without submitting anything.
  const again = await runPipeline(slurm, { registry: noBuiltins, quiet: true });
  assert.deepEqual(again.reports.map((r) => r.status), ['skipped', 'skipped']);
});

slurmTest('executor slurm: a failing task is reported with its task id and log path', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 9, tasks: 3, executor: 'slurm', extra: SLURM, failOn: 'doc-4 ' }));
  let error: unknown;
  try {
    await runPipeline(file, { registry: noBuiltins, quiet: true });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof SlurmJobFailedError, String(error));
  assert.equal(error.failures.length, 1, error.message);
  const failure = error.failures[0];
  assert.equal(failure.stage, 'upper');
  assert.equal(typeof failure.task, 'number');
  assert.equal(failure.state, 'FAILED');
  assert.match(error.message, new RegExp(`stage upper task ${failure.task} FAILED .*log ${failure.log}`));
  // The log named is that task's own log, holding the stage's error.
  assert.match(failure.log!, new RegExp(`/logs/upper-\\d+_${failure.task}\\.log$`));
  assert.match(await fs.readFile(failure.log!, 'utf8'), /toy failure on document doc-4/);
  const status = await pipelineStatus(file, noBuiltins);
  assert.equal(status.lastRun?.status, 'failed');
  assert.deepEqual(status.stages.find((s) => s.key === 'upper')?.failed.map((f) => f.task), [failure.task]);
});

slurmTest('executor slurm --detach submits and returns; the jobs finish on their own', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 6, tasks: 2, executor: 'slurm', extra: SLURM }));
  const result = await runPipeline(file, { registry: noBuiltins, quiet: true, detach: true, only: 'source' });
  assert.equal(result.status, 'submitted');
  const jobs = result.reports[0].jobs!;
  assert.equal(jobs.length, 2);
  const end = Date.now() + 60_000;
  while ((await jobsInQueue(jobs)).length > 0) {
    assert.ok(Date.now() < end, 'jobs did not finish within 60 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  const status = await pipelineStatus(file, noBuiltins);
  assert.deepEqual(status.stages.map((s) => [s.key, s.condition, s.rows]), [['source', 'done', 6], ['upper', 'pending', 0]]);
});
