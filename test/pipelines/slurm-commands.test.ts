import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { shellCommand, shellQuote, ShellRaw } from '../../pipelines/executors/shell-quote.js';
import { parseSbatchId, parseScontrolJobs } from '../../pipelines/executors/slurm-jobs.js';
import { runPipeline } from '../../pipelines/runner.js';
import { createRegistry } from '../../pipelines/stage-registry.js';
import { tempDir, toyPipelineYaml, writePipeline } from './toy-pipeline.js';

test('shell quoting: hostile arguments reach the program byte for byte', () => {
  const hostile = ['plain', 'two words', "it's", '$(touch /tmp/pwned)', '`id`', 'a;b|c&d', 'new\nline', '', '*', '"dq"', "'\\''", '-n'];
  const out = execFileSync('sh', ['-c', `${shellCommand([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile])}`], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), hostile);
  assert.equal(shellQuote('/srv/x.yaml'), '/srv/x.yaml');
  assert.throws(() => shellQuote('a\0b'));
  assert.equal(shellCommand(['--task', new ShellRaw('"$SLURM_ARRAY_TASK_ID"')]), '--task "$SLURM_ARRAY_TASK_ID"');
});

test('scontrol -o show job records parse, paths with spaces included', () => {
  const text = [
    'JobId=12 ArrayJobId=10 ArrayTaskId=2 JobName=kiln-x JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 WorkDir=/w StdErr=/w/logs/a b_10_2.log StdIn=/dev/null StdOut=/w/logs/a b_10_2.log Power=',
    'JobId=10 ArrayJobId=10 ArrayTaskId=3-4 JobState=CANCELLED Reason=DependencyNeverSatisfied ExitCode=0:0 StdOut=/w/%A_%a.log',
    '',
  ].join('\n');
  const records = parseScontrolJobs(text);
  assert.deepEqual(records, [
    { jobId: '12', arrayJobId: '10', arrayTaskId: '2', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '1:0', stdout: '/w/logs/a b_10_2.log' },
    { jobId: '10', arrayJobId: '10', arrayTaskId: '3-4', state: 'CANCELLED', reason: 'DependencyNeverSatisfied', exitCode: '0:0', stdout: '/w/%A_%a.log' },
  ]);
  assert.equal(parseSbatchId('42\n'), '42');
  assert.equal(parseSbatchId('42;cluster\n'), '42');
  assert.throws(() => parseSbatchId('sbatch: error: Batch job submission failed'), /no job id/);
});

test('kiln run --dry-run --executor slurm: each array size and the sbatch lines, with per-stage resources over the pipeline\'s', async () => {
  const dir = await tempDir();
  const yaml = toyPipelineYaml({ count: 10, tasks: 6, extra: 'slurm: { partition: cpu, mem: 2G, time: "1:00:00", tasks: 3, parallelism: 4 }' }).replace(
    '    export: toyUpper\n',
    '    export: toyUpper\n    slurm: { partition: gpu, gres: "gpu:1", cpus_per_task: 2, parallelism: 1, extra_args: [--exclusive] }\n',
  );
  const file = await writePipeline(dir, yaml);
  const result = await runPipeline(file, { registry: createRegistry([]), dryRun: true, executor: 'slurm' });
  const text = result.planText!.join('\n');
  assert.match(text, /^ {2}source: array of 6 tasks, 4 at once$/m);
  assert.match(text, /^ {2}upper: array of 3 tasks, 1 at once$/m);
  const sbatch = result.planText!.filter((l) => l.includes('= sbatch '));
  assert.equal(sbatch.length, 4, text);
  const [sourceArray, sourceFinalize, upperArray, upperFinalize] = sbatch;
  assert.match(sourceArray, /--partition=cpu --mem=2G --time=1:00:00 --array=0-5%4 /);
  assert.doesNotMatch(sourceArray, /--dependency|--gres/);
  assert.match(sourceFinalize, /'--dependency=afterok:<source-array>' /);
  assert.match(upperArray, /--partition=gpu --cpus-per-task=2 --mem=2G --time=1:00:00 --gres=gpu:1 --exclusive --array=0-2%1 .*'--dependency=afterok:<source-finalize>' \S*upper-task\.sh'$/);
  assert.match(upperFinalize, /--gres=gpu:1 .*'--dependency=afterok:<upper-array>' /);
  assert.match(text, /runs: \S+ \S*bin\.js task \S*pipeline\.yaml --stage upper --tasks 3 --task "\$SLURM_ARRAY_TASK_ID"/);
  // Nothing was submitted or written.
  assert.equal(await fs.stat(path.join(dir, 'work')).then(() => true, () => false), false);
});

test('a stage\'s slurm: block is checked like the pipeline\'s', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 3 }).replace('    export: toyUpper\n', '    export: toyUpper\n    slurm: { mem: lots }\n'));
  await assert.rejects(runPipeline(file, { registry: createRegistry([]), dryRun: true, executor: 'slurm' }), /mem/);
});

test('kiln run --dry-run --executor slurm: shard is a scatter and a pack phase with their array sizes; train one task with its gres, partition and time', async () => {
  const dir = await tempDir();
  const yaml = [
    'name: st',
    'workdir: ./work',
    'slurm: { partition: cpu, tasks: 3, parallelism: 2 }',
    'stages:',
    '  shard:',
    '    inputs: ["/data/tokens"]',
    '    seqLen: 64',
    '    slurm: { phases: { pack: { tasks: 2, mem: 8G } } }',
    '  train:',
    '    model: gpt-mini',
    '    steps: 10',
    '    slurm: { partition: gpu, gres: "gpu:1", time: "4:00:00" }',
    '',
  ].join('\n');
  const file = await writePipeline(dir, yaml);
  const result = await runPipeline(file, { dryRun: true, executor: 'slurm' });
  const text = result.planText!.join('\n');
  assert.match(text, /^ {2}shard: 2 phases \(scatter, pack\)/m);
  assert.match(text, /^ {3}phase scatter: array of 3 tasks, 2 at once$/m);
  assert.match(text, /^ {3}phase pack: array of 2 tasks, 2 at once$/m);
  assert.match(text, /^ {2}train: array of 1 task, 1 at once$/m);
  const sbatch = result.planText!.filter((l) => l.includes('= sbatch '));
  const ids = sbatch.map((l) => /^\s*<([^>]+)>/.exec(l)?.[1]);
  assert.deepEqual(ids, [...['scatter', 'pack'].flatMap((p) => ['plan', 'array', 'finalize'].map((r) => `shard-${p}-${r}`)), 'train-array', 'train-finalize']);
  assert.match(sbatch[1], /--partition=cpu .*--array=0-2%2 /);
  assert.match(sbatch[4], /--partition=cpu --mem=8G .*--array=0-1%2 /);
  assert.match(sbatch[6], /--partition=gpu --time=4:00:00 --gres=gpu:1 .*--array=0-0%1 /);
  assert.match(text, /runs: \S+ \S*bin\.js task \S*pipeline\.yaml --stage shard --tasks 3 --phase scatter --task "\$SLURM_ARRAY_TASK_ID"/);
  assert.match(text, /--phase pack --finalize/);
  assert.doesNotMatch(text, /--stage train .*--phase/, 'a one-phase stage needs no --phase');
});
