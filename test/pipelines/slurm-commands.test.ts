import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { shellCommand, shellQuote, ShellRaw } from '../../pipelines/executors/shell-quote.js';
import { parseSbatchId, parseScontrolJobs } from '../../pipelines/executors/slurm-jobs.js';

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
