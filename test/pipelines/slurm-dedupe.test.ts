import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readSuccess } from '../../core/dataset-manifest.js';
import { runPipeline } from '../../pipelines/runner.js';
import { makeCorpus, writeJsonl } from '../dedupe/corpus.js';
import { jobState, sacctNodes, slurmTest, waitForJobs } from './slurm-cluster.js';
import { tempDir, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';
// Jobs cancelled on purpose must not leave truncated V8 coverage files.
delete process.env.NODE_V8_COVERAGE;

const PHASES = ['signatures', 'buckets', 'clusters', 'filter'];

/** A pipeline deduplicating `input` in `tasks` tasks per part-group phase. */
function dedupeYaml(input: string, tasks: number, slurm?: string, stageSlurm?: string): string {
  return ['name: dd', 'workdir: ./work', ...(slurm ? ['executor: slurm', slurm] : []), 'stages:', '  dedupe:', `    inputs: [${JSON.stringify(input)}]`, `    tasks: ${tasks}`, ...(stageSlurm ? [`    slurm: ${stageSlurm}`] : []), ''].join('\n');
}

/** The kept documents' parts by name: what the next stage reads. */
async function parts(out: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await fs.readdir(out)).filter((f) => f.endsWith('.parquet')).sort()) files.set(name, await fs.readFile(path.join(out, name)));
  return files;
}

/** A corpus with exact and near duplicates in `files` JSONL files; its dedupe run locally. */
async function localRun(singletons: number, files: number, tasks: number): Promise<{ input: string; local: Map<string, Buffer>; kept: number }> {
  const dir = await tempDir('kiln-dd-');
  const c = makeCorpus({ seed: 11, singletons, exactGroups: 60, pairs: 120 });
  const input = path.join(dir, 'in');
  writeJsonl(input, c.docs, files);
  const file = await writePipeline(dir, dedupeYaml(input, tasks), 'local.yaml');
  await runPipeline(file, { quiet: true });
  const out = path.join(dir, 'work/dedupe');
  return { input, local: await parts(out), kept: (await readSuccess(out))!.stats.kept };
}

test('kiln run --dry-run --executor slurm: dedupe is a plan job, an array and a finalize job per phase, sized and resourced per phase', async () => {
  const dir = await tempDir();
  const file = await writePipeline(
    dir,
    dedupeYaml('/data/in', 6, 'slurm: { partition: cpu, time: "2:00:00", parallelism: 4 }', '{ mem: 4G, phases: { signatures: { tasks: 8, cpus_per_task: 2 }, buckets: { tasks: 5, mem: 2G }, clusters: { mem: 32G, partition: bigmem }, filter: { parallelism: 2 } } }'),
  );
  const result = await runPipeline(file, { dryRun: true, executor: 'slurm' });
  const text = result.planText!.join('\n');
  assert.match(text, /^ {3}phase signatures: array of 8 tasks, 4 at once$/m);
  assert.match(text, /^ {3}phase buckets: array of 5 tasks, 4 at once$/m);
  assert.match(text, /^ {3}phase clusters: array of 1 task, 1 at once$/m);
  assert.match(text, /^ {3}phase filter: array of 6 tasks, 2 at once$/m);
  const sbatch = result.planText!.filter((l) => l.includes('= sbatch '));
  assert.deepEqual(sbatch.map((l) => /<(dedupe-\w+-\w+)>/.exec(l)?.[1]), PHASES.flatMap((p) => ['plan', 'array', 'finalize'].map((r) => `dedupe-${p}-${r}`)));
  // Each job waits for the one before it.
  for (let i = 1; i < sbatch.length; i++) assert.ok(sbatch[i].includes(`'--dependency=afterok:${/<[^>]+>/.exec(sbatch[i - 1])![0]}'`), sbatch[i]);
  const sigArray = sbatch[1];
  assert.match(sigArray, /--partition=cpu --cpus-per-task=2 --mem=4G --time=2:00:00 .*--array=0-7%4 /);
  assert.match(sbatch[4], /--partition=cpu --mem=2G --time=2:00:00 .*--array=0-4%4 /);
  assert.match(sbatch[7], /--partition=bigmem --mem=32G --time=2:00:00 .*--array=0-0%1 /);
  assert.match(sbatch[10], /--partition=cpu --mem=4G .*--array=0-5%2 /);
  assert.match(text, /runs: \S+ \S*bin\.js task \S*pipeline\.yaml --stage dedupe --tasks 6 --phase signatures --task "\$SLURM_ARRAY_TASK_ID"/);
  assert.match(text, /--phase buckets --task "\$SLURM_ARRAY_TASK_ID"/);
  assert.match(text, /--phase clusters --plan\n/);
  assert.match(text, /--phase filter --finalize/);
  // A phase the stage does not have is refused, naming the phases.
  const bad = await writePipeline(dir, dedupeYaml('/data/in', 6, 'slurm: { tasks: 2 }', '{ phases: { merge: { tasks: 2 } } }'), 'bad.yaml');
  await assert.rejects(runPipeline(bad, { dryRun: true, executor: 'slurm' }), /no such phase \(phases: signatures, buckets, clusters, filter\)/);
});

slurmTest('executor slurm: dedupe phases spread over >= 3 nodes and write what local writes, byte for byte', async () => {
  const { input, local, kept } = await localRun(1500, 6, 6);
  assert.ok(local.size >= 1);
  const dir = await tempDir();
  const file = await writePipeline(dir, dedupeYaml(input, 6, 'slurm: { tasks: 6, parallelism: 6, poll_seconds: 0.3 }', '{ phases: { signatures: { cpus_per_task: 2 }, buckets: { cpus_per_task: 2 }, filter: { cpus_per_task: 2 } } }'), 'slurm.yaml');
  const result = await runPipeline(file, { quiet: true });
  assert.deepEqual(result.reports.map((r) => [r.key, r.status, r.docsOut]), [['dedupe', 'ran', kept]]);
  const out = path.join(dir, 'work/dedupe');
  assert.deepEqual(await parts(out), local);
  const jobs = result.reports[0].jobs!;
  assert.equal(jobs.length, 12, 'plan, array and finalize job per phase');
  for (const [p, phase] of PHASES.entries()) {
    const elements = [...(await sacctNodes(jobs[3 * p + 1], phase === 'clusters' ? 1 : 6)).values()];
    if (phase === 'clusters') continue;
    const nodes = new Set(elements.map((e) => e.node));
    assert.ok(nodes.size >= 3, `${phase} elements ran on ${[...nodes].join(',')}`);
    assert.deepEqual(elements.map((e) => e.cpus), [2, 2, 2, 2, 2, 2], `${phase}: the phase's cpus_per_task reached sbatch`);
  }
});

slurmTest('executor slurm: a task of each dedupe phase SIGKILLed mid-run, then resubmitted, changes nothing in the output', async () => {
  // Task 0's file holds most documents: it is still running when killed.
  const { input, local } = await localRun(12_000, 3, 3);
  for (const [p, phase] of PHASES.entries()) {
    const dir = await tempDir();
    const file = await writePipeline(dir, dedupeYaml(input, 3, 'slurm: { tasks: 3, parallelism: 3, poll_seconds: 0.3 }'), 'slurm.yaml');
    const first = await runPipeline(file, { quiet: true, detach: true });
    const jobs = first.reports[0].jobs!;
    const element = `${jobs[3 * p + 1]}_0`;
    // Kill element 0 of this phase once it has run for a second (the CLI is loaded and working).
    const end = Date.now() + 120_000;
    let runningSince: number | undefined;
    for (;;) {
      const state = jobState(element);
      assert.ok(state === 'PENDING' || state === 'RUNNING' || state === 'UNKNOWN', `${phase}: element 0 ${state} before the kill`);
      if (state === 'RUNNING') runningSince ??= Date.now();
      if (runningSince && Date.now() - runningSince > 1000) break;
      assert.ok(Date.now() < end, `${phase}: element 0 did not run within 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(spawnSync('scancel', ['--signal=KILL', element]).status, 0);
    await waitForJobs(jobs);
    // Killed while running, not after it finished; the jobs after it never ran.
    assert.match(jobState(element), /CANCELLED|FAILED/, `${phase}: element 0`);
    assert.equal(await readSuccess(path.join(dir, 'work/dedupe')), undefined, `${phase}: the output is not complete after the kill`);
    const again = await runPipeline(file, { quiet: true });
    assert.deepEqual(again.reports.map((r) => [r.key, r.status]), [['dedupe', 'ran']], phase);
    assert.deepEqual(await parts(path.join(dir, 'work/dedupe')), local, `${phase}: output after the kill and resubmit`);
  }
});
