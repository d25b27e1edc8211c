import type { Command } from 'commander';
import { formatBytes, printJson, printTable } from '../print.js';

/** `kiln status DIR|PIPELINE.yaml`: tasks done / pending / failed. */
export function register(program: Command): void {
  program
    .command('status')
    .description('tasks done / pending / failed of a dataset, shards or train run directory (or of each stage of a pipeline file)')
    .argument('<target>', 'dataset, shards or train run directory, or PIPELINE.yaml')
    .option('--json', 'print one JSON object')
    .action(async (s3OrLocal: string, opts: { json?: boolean }) => {
      // An s3:// dataset is read from a fresh local copy (core/storage/staged-stage.ts).
      const target = await (await import('../../core/storage/staged-stage.js')).localView(s3OrLocal, { refresh: true });
      if (/\.ya?ml$/.test(target)) {
        const { pipelineStatus, formatPipelineStatus } = await import('../../pipelines/index.js');
        const status = await pipelineStatus(target);
        if (opts.json) return printJson(status);
        process.stdout.write(formatPipelineStatus(status) + '\n');
        return;
      }
      const { datasetStatus } = await import('../../core/dataset-status.js');
      const s = await datasetStatus(target);
      if (opts.json) return printJson(s);
      const complete = s.complete ? 'yes' : 'no';
      if (s.shards) {
        printTable(['stage', 'generations', 'shards', 'sequences', 'tokens', 'bytes', 'complete'], [[s.stage, s.shards.generations, s.shards.files, s.rows, s.shards.tokens, formatBytes(s.bytes), complete]]);
        return;
      }
      if (s.train) {
        const c = s.train.checkpoint;
        printTable(['stage', 'steps', 'of', 'checkpoint', 'checkpoint bytes', 'complete'], [[s.stage, s.train.step, s.train.targetSteps ?? '-', c ? `step ${c.step}` : 'none', formatBytes(s.bytes), complete]]);
        return;
      }
      printTable(
        ['stage', 'tasks', 'done', 'pending', 'failed', 'rows', 'bytes', 'complete'],
        [[s.stage, s.tasks, s.done.length, s.pending.length, s.failed.length, s.rows, formatBytes(s.bytes), complete]],
      );
      for (const f of s.failed) process.stdout.write(`task ${f.task} failed: ${f.code}: ${f.message}\n`);
    });
}
