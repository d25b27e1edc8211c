import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { intOption } from '../number-option.js';
import { printJson } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';

/** `kiln task PIPELINE.yaml --stage S --task I`: one task of one stage (what a Slurm array element runs). */
export function register(program: Command): void {
  program
    .command('task')
    .description('run one step of one pipeline stage: a task, its planning, or its finalize step (used by the Slurm executor)')
    .argument('<pipeline>', 'PIPELINE.yaml')
    .requiredOption('--stage <name>', 'stage key in the pipeline file')
    .option('--phase <name>', 'a phase of a stage run as phases (dedupe: signatures, buckets, clusters, filter); with --plan, --task or --finalize')
    .option('--task <index>', 'task index to run (e.g. $SLURM_ARRAY_TASK_ID)')
    .option('--plan', 'plan the stage\'s tasks (write its manifest) and run nothing')
    .option('--finalize', 'run tasks still pending and write SUCCESS.json')
    .option('--tasks <n>', 'task count fixed by the submitter')
    .option('--generation <id>', 'generation of an incremental pipeline')
    .option('--overwrite', 'replace an output made with another config (with --plan)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (file: string, flags: { stage: string; phase?: string; task?: string; plan?: boolean; finalize?: boolean; tasks?: string; generation?: string; overwrite?: boolean; json?: boolean }) => {
      const task = intOption(flags.task, '--task', 0);
      const tasks = intOption(flags.tasks, '--tasks', 1);
      const { runPipelineTask } = await import('../../pipelines/pipeline-task.js');
      const signal = stopSignal();
      const result = await runPipelineTask(file, {
        stage: flags.stage,
        phase: flags.phase,
        task,
        plan: flags.plan,
        finalize: flags.finalize,
        tasks,
        generation: flags.generation,
        overwrite: flags.overwrite,
        signal,
      });
      if (flags.json) printJson(result);
      // A task stopped by SIGTERM (Slurm preemption, scancel) is not done: Slurm must not count it as a success (exit 143).
      await endIfStopped();
    });
}
