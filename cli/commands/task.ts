import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { runPipelineTask } from '../../pipelines/pipeline-task.js';
import { printJson } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';

function count(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, not ${value}`, { key: name });
  return n;
}

/** `kiln task PIPELINE.yaml --stage S --task I`: one task of one stage (what a Slurm array element runs). */
export function register(program: Command): void {
  program
    .command('task')
    .description('run one step of one pipeline stage: a task, its planning, or its finalize step (used by the Slurm executor)')
    .argument('<pipeline>', 'PIPELINE.yaml')
    .requiredOption('--stage <name>', 'stage key in the pipeline file')
    .option('--task <index>', 'task index to run (e.g. $SLURM_ARRAY_TASK_ID)')
    .option('--plan', 'plan the stage\'s tasks (write its manifest) and run nothing')
    .option('--finalize', 'run tasks still pending and write SUCCESS.json')
    .option('--tasks <n>', 'task count fixed by the submitter')
    .option('--generation <id>', 'generation of an incremental pipeline')
    .option('--overwrite', 'replace an output made with another config (with --plan)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (file: string, flags: { stage: string; task?: string; plan?: boolean; finalize?: boolean; tasks?: string; generation?: string; overwrite?: boolean; json?: boolean }) => {
      const signal = stopSignal();
      const result = await runPipelineTask(file, {
        stage: flags.stage,
        task: count('task', flags.task, 0),
        plan: flags.plan,
        finalize: flags.finalize,
        tasks: count('tasks', flags.tasks, 1),
        generation: flags.generation,
        overwrite: flags.overwrite,
        signal,
      });
      if (flags.json) printJson(result);
      // A task stopped by SIGTERM (Slurm preemption, scancel) is not done: Slurm must not count it as a success (exit 143).
      await endIfStopped();
    });
}
