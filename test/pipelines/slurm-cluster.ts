// Helpers of the tests that run on a real Slurm cluster (`bash .ci/slurm.sh start`: 3 nodes, sacct).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { jobsInQueue } from '../../pipelines/executors/slurm-jobs.js';

/** Why Slurm tests cannot run here, or undefined when a cluster answers. CI sets KILN_TEST_SLURM=1 (must run). */
function slurmMissing(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' }).status !== 0) return 'sbatch not on PATH (start one with: bash .ci/slurm.sh start)';
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  if (sinfo.status !== 0 || !/idle|mixed|allocated/.test(sinfo.stdout)) return `no Slurm node up (sinfo: ${(sinfo.stderr || sinfo.stdout).trim().slice(0, 120)}); start one with: bash .ci/slurm.sh start`;
  return undefined;
}
const missing = slurmMissing();
const required = process.env.KILN_TEST_SLURM === '1';

/** A test that needs the cluster: skipped with the reason when there is none (failed under KILN_TEST_SLURM=1). */
export function slurmTest(name: string, fn: (t: TestContext) => Promise<void>): void {
  test(name, async (t) => {
    if (missing) {
      if (required) assert.fail(`KILN_TEST_SLURM=1 but ${missing}`);
      t.skip(`Slurm absent: ${missing}`);
      return;
    }
    await fn(t);
  });
}

/** Node and CPUs of each element of array job `id`, from `sacct` (accounting arrives asynchronously). */
export async function sacctNodes(id: string, elements: number): Promise<Map<string, { node: string; cpus: number }>> {
  const end = Date.now() + 30_000;
  for (;;) {
    const out = spawnSync('sacct', ['-n', '-X', '-P', '-j', id, '--format=JobID,NodeList,State,AllocCPUS'], { encoding: 'utf8' });
    assert.equal(out.status, 0, `sacct: ${out.stderr}`);
    const rows = out.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
    const done = rows.filter(([, node, state]) => state === 'COMPLETED' && node && node !== 'None assigned');
    if (done.length === elements) return new Map(done.map(([job, node, , cpus]) => [job, { node, cpus: Number(cpus) }]));
    assert.ok(Date.now() < end, `sacct shows ${done.length} of ${elements} elements of ${id}: ${out.stdout}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits until none of `jobs` is pending, running or completing. */
export async function waitForJobs(jobs: string[], timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await jobsInQueue(jobs)).length > 0) {
    assert.ok(Date.now() < end, `jobs ${jobs.join(',')} did not end within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `scontrol` state of one job or array element (kept MinJobAge seconds after it ends). */
export function jobState(id: string): string {
  const out = spawnSync('scontrol', ['-o', 'show', 'job', id], { encoding: 'utf8' }).stdout;
  return /JobState=(\S+)/.exec(out)?.[1] ?? 'UNKNOWN';
}
