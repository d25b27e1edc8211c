import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { choiceOption, intOption } from '../number-option.js';
import { printJson } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';

interface RunFlags {
  stage?: string;
  executor?: string;
  dryRun?: boolean;
  detach?: boolean;
  wait?: boolean;
  overwrite?: boolean;
  workers?: string;
  json?: boolean;
}

/** `kiln run PIPELINE.yaml`: every stage in order, skipping what is done, resuming what is half-done. */
export function register(program: Command): void {
  program
    .command('run')
    .description('run a pipeline file: stages in order, completed stages skipped, half-done ones resumed')
    .argument('<pipeline>', 'PIPELINE.yaml')
    .option('--stage <name>', 'run only this stage (its input is the previous stage\'s output)')
    .option('--executor <local|slurm>', 'where tasks run (default: the file\'s executor:)')
    .option('--dry-run', 'print the plan (stages, tasks, what is done) and run nothing')
    .option('--detach', 'slurm: submit the jobs and return without waiting')
    .option('--wait', 'if another run of this pipeline holds the lock, wait for it instead of exiting')
    .option('--overwrite', 'replace stage outputs made with another config')
    .option('--workers <n>', 'worker threads per stage (local)')
    .option('--json', 'print one JSON summary on stdout')
    .action(run);
}

/** The action of `kiln run`: validate flags, run the pipeline, print the table (or JSON, or the plan). */
async function run(file: string, flags: RunFlags): Promise<void> {
  const executor = flags.executor === undefined ? undefined : choiceOption(flags.executor, '--executor', ['local', 'slurm'] as const);
  const workers = intOption(flags.workers, '--workers');
  if (flags.detach && executor === 'local') throw new UsageError('--detach submits Slurm jobs; it does not apply to --executor local', { key: '--detach' });
  const [{ runPipeline }, { formatStageTable }] = await Promise.all([import('../../pipelines/runner.js'), import('../../pipelines/stage-report.js')]);
  const result = await runPipeline(file, {
    only: flags.stage,
    executor,
    dryRun: flags.dryRun,
    detach: flags.detach,
    wait: flags.wait,
    overwrite: flags.overwrite,
    workers,
    signal: stopSignal(),
    onWait: (o) => process.stderr.write(`kiln: pipeline is running (pid ${o.pid} on ${o.host} since ${o.started}); waiting for it to finish\n`),
  });
  const stopped = result.status === 'stopped' && (await endIfStopped({ committed: `stages done: ${result.reports.filter((r) => r.status !== 'stopped').map((r) => r.key).join(', ') || 'none'}` }));
  if (flags.json) {
    return printJson({ pipeline: result.pipeline.name, status: result.status, executor: result.executor, generation: result.generation, plan: flags.dryRun ? result.planText : undefined, stages: result.reports });
  }
  if (flags.dryRun) {
    process.stdout.write(result.planText.join('\n') + '\n');
    return;
  }
  process.stdout.write(formatStageTable(result.reports) + '\n');
  if (result.status === 'submitted') {
    for (const r of result.reports) if (r.jobs) process.stdout.write(`${r.key}: slurm jobs ${r.jobs.join(' -> ')}\n`);
    process.stdout.write(`submitted; follow with: kiln status ${file}\n`);
  } else if (result.status === 'stopped' && !stopped) {
    process.stdout.write('stopped before the end; run the same command again to resume\n');
  }
}
