import type { Command } from 'commander';
import { intOption } from '../number-option.js';
import { formatBytes, printJson, printTable } from '../print.js';

/** `kiln inspect DIR...`: rows, bytes, columns, text-length histogram, samples. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('counts, sizes, columns, a text-length histogram and a few samples of a dataset; the index of a shards directory')
    .argument('<paths...>', 'dataset directory, files or globs (Parquet or JSONL), or one shards directory')
    .option('--samples <n>', 'samples to show', '3')
    .option('--json', 'print one JSON object')
    .action(async (where: string[], opts: { samples: string; json?: boolean }) => {
      const { localView } = await import('../../core/storage/staged-stage.js');
      // s3:// datasets are read from a local copy (staged-stage.ts); other paths as they are.
      const paths = await Promise.all(where.map((p) => localView(p)));
      const samples = intOption(opts.samples, '--samples', 0)!;
      const { inspectDataset, inspectShards } = await import('../../core/inspect.js');
      const shards = paths.length === 1 ? await inspectShards(paths[0]) : undefined;
      if (shards) {
        if (opts.json) return printJson(shards);
        const t = shards.tokenizer ? `${shards.tokenizer.name} (${shards.tokenizer.hash})` : 'none';
        process.stdout.write(`shards ${shards.dir}   layout ${shards.layout}   generations ${shards.generations}\nseq_len ${shards.seq_len}   dtype ${shards.dtype}   vocab ${shards.vocab_size}   eos ${shards.eos_id}   tokenizer ${t}\n\n`);
        const rows = (['train', 'val'] as const).map((k) => [k, shards.splits[k].shards, shards.splits[k].sequences, shards.splits[k].tokens, shards.splits[k].documents, formatBytes(shards.splits[k].bytes)]);
        printTable(['split', 'shards', 'sequences', 'tokens', 'documents', 'bytes'], rows);
        return;
      }
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
