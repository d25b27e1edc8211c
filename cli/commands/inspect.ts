import type { Command } from 'commander';
import { intOption } from '../number-option.js';
import { formatBytes, printJson, printTable } from '../print.js';

/** `kiln inspect DIR...`: rows, bytes, columns, text-length histogram, samples. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('counts, sizes, columns, a text-length histogram and a few samples of a dataset')
    .argument('<paths...>', 'dataset directory, files or globs (Parquet or JSONL)')
    .option('--samples <n>', 'samples to show', '3')
    .option('--json', 'print one JSON object')
    .action(async (paths: string[], opts: { samples: string; json?: boolean }) => {
      const samples = intOption(opts.samples, '--samples', 0)!;
      const { inspectDataset } = await import('../../core/inspect.js');
      const report = await inspectDataset(paths, samples);
      if (opts.json) return printJson(report);
      process.stdout.write(`files ${report.files}   rows ${report.rows.toLocaleString()}   bytes ${formatBytes(report.bytes)}\ncolumns ${report.columns.join(', ')}\n\n`);
      if (report.textLengths.length) {
        const max = Math.max(...report.textLengths.map((b) => b.count));
        printTable(['text chars <=', 'docs', ''], report.textLengths.map((b) => [b.upTo, b.count, '#'.repeat(Math.max(1, Math.round((b.count / max) * 40)))]));
      }
      for (const s of report.samples) process.stdout.write(`\n${JSON.stringify(s, null, 1)}\n`);
    });
}
