import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { SlurmJobFailedError } from '../../pipelines/executors/slurm.js';
import { jobsInQueue } from '../../pipelines/executors/slurm-jobs.js';
import { pipelineStatus } from '../../pipelines/pipeline-status.js';
import { runPipeline } from '../../pipelines/runner.js';
import { builtinRegistry, createRegistry } from '../../pipelines/stage-registry.js';
import { sacctNodes, slurmTest } from './slurm-cluster.js';
import { readSorted, tempDir, toyPipelineYaml, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';
// Slurm jobs inherit this environment; jobs cancelled on purpose must not leave truncated V8
// coverage files (this process keeps the coverage directory it started with).
delete process.env.NODE_V8_COVERAGE;

const noBuiltins = createRegistry([]);
// Fast polling; tasks fixed at submit time; P=4 elements at once.
const SLURM = 'slurm: { tasks: 3, parallelism: 4, poll_seconds: 0.3 }';

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

/** Writes `files` JSONL inputs of random-letter words (defeats the tokenizer's piece cache): file i holds docs[i] documents. */
async function writeWordInputs(dir: string, docs: number[]): Promise<string> {
  const input = path.join(dir, 'in');
  await fs.mkdir(input, { recursive: true });
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const word = (): string => Array.from({ length: 3 + Math.floor(rnd() * 7) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
  for (const [f, count] of docs.entries()) {
    const lines: string[] = [];
    for (let j = 0; j < count; j++) lines.push(JSON.stringify({ id: `f${f}-${j}`, text: Array.from({ length: 120 }, word).join(' ') }));
    await fs.writeFile(path.join(input, `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  return input;
}

/** A pipeline tokenizing `input` in `tasks` tasks (one per input file). */
function tokenizeYaml(input: string, tasks: number, slurm?: string, stageSlurm?: string): string {
  return ['name: tok', 'workdir: ./work', ...(slurm ? ['executor: slurm', slurm] : []), 'stages:', '  tokenize:', `    inputs: [${JSON.stringify(input)}]`, `    tasks: ${tasks}`, ...(stageSlurm ? [`    slurm: ${stageSlurm}`] : []), '    tokenizer: gpt2', ''].join('\n');
}

/** Every row of a dataset, in part order (tokens as plain arrays). */
async function readRows(dir: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (const file of await listInputFiles([dir])) for await (const row of readInputRows(file)) rows.push(JSON.parse(JSON.stringify(row, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v))));
  return rows;
}

/** The parts and the tokenizer record of a tokenize output: the files a later stage reads. */
async function dataFiles(out: string): Promise<Map<string, Buffer>> {
  const names = (await fs.readdir(out)).filter((f) => f.endsWith('.parquet')).sort();
  const files = new Map<string, Buffer>();
  for (const name of [...names, '_kiln/tokenize/info.json']) files.set(name, await fs.readFile(path.join(out, name)));
  return files;
}

slurmTest('executor slurm: a tokenize array spreads over >= 3 nodes and writes what local writes, byte for byte', async () => {
  const dir = await tempDir();
  const input = await writeWordInputs(dir, [300, 300, 300, 300, 300, 300]);
  const local = await writePipeline(dir, tokenizeYaml(input, 6), 'local.yaml');
  const slurmDir = await tempDir();
  // The stage's own slurm: block reaches sbatch: each element is allocated 2 CPUs.
  const slurm = await writePipeline(slurmDir, tokenizeYaml(input, 6, 'slurm: { tasks: 6, parallelism: 6, poll_seconds: 0.3 }', '{ cpus_per_task: 2 }'), 'slurm.yaml');
  await runPipeline(local, { quiet: true });
  const result = await runPipeline(slurm, { quiet: true });
  assert.deepEqual(result.reports.map((r) => [r.key, r.status, r.docsOut]), [['tokenize', 'ran', 1800]]);
  const localFiles = await dataFiles(path.join(dir, 'work/tokenize'));
  assert.equal(localFiles.size, 7);
  assert.deepEqual(await dataFiles(path.join(slurmDir, 'work/tokenize')), localFiles);
  const elements = [...(await sacctNodes(result.reports[0].jobs![0], 6)).values()];
  const nodes = new Set(elements.map((e) => e.node));
  assert.ok(nodes.size >= 3, `tokenize elements ran on ${[...nodes].join(',')}`);
  assert.deepEqual(elements.map((e) => e.cpus), [2, 2, 2, 2, 2, 2]);
});

slurmTest('executor slurm: a tokenize task cancelled mid-run, then run again, changes nothing in the output', async () => {
  const dir = await tempDir();
  // Task 0 tokenizes ~20 MB (seconds), the others a little: task 0 is still running when cancelled.
  const input = await writeWordInputs(dir, [24_000, 100, 100]);
  const local = await writePipeline(dir, tokenizeYaml(input, 3), 'local.yaml');
  const slurmDir = await tempDir();
  const slurm = await writePipeline(slurmDir, tokenizeYaml(input, 3, 'slurm: { tasks: 3, parallelism: 3, poll_seconds: 0.3 }'), 'slurm.yaml');
  await runPipeline(local, { quiet: true });
  const first = await runPipeline(slurm, { quiet: true, detach: true });
  const [array] = first.reports[0].jobs!;
  const out = path.join(slurmDir, 'work/tokenize');
  // Cancel element 0 once it has committed a first chunk of its output.
  const end = Date.now() + 60_000;
  while (!(await fs.readdir(path.join(out, '_kiln/commits')).catch(() => [] as string[])).some((f) => f.startsWith('00000-'))) {
    assert.ok(Date.now() < end, 'task 0 committed nothing within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(spawnSync('scancel', [`${array}_0`]).status, 0);
  while ((await jobsInQueue(first.reports[0].jobs!)).length > 0) {
    assert.ok(Date.now() < end, 'jobs did not end within 60 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  const task0 = spawnSync('scontrol', ['-o', 'show', 'job', `${array}_0`], { encoding: 'utf8' }).stdout;
  assert.match(task0, /JobState=CANCELLED/, 'task 0 was cancelled while running, not after it finished');
  assert.notEqual((await pipelineStatus(slurm, builtinRegistry)).stages[0]?.condition, 'done');
  const again = await runPipeline(slurm, { quiet: true });
  assert.deepEqual(again.reports.map((r) => [r.key, r.status, r.docsOut]), [['tokenize', 'ran', 24_200]]);
  assert.deepEqual(await readRows(out), await readRows(path.join(dir, 'work/tokenize')));
});
