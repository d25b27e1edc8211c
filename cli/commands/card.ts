import { requireLocalPath } from '../../core/storage/s3-location.js';
import type { Command } from 'commander';
import { intOption } from '../number-option.js';
import { formatBytes, printJson, printTable } from '../print.js';

/** `kiln card DIR... --out card.html`: the dataset card (HTML + card.json) of datasets, shards or a pipeline workdir. */
export function register(program: Command): void {
  program
    .command('card')
    .description('a dataset card: documents, tokens and bytes per stage, length histograms, languages, top domains, drop reasons, duplicate clusters, shard mixture, samples; one HTML file plus card.json beside it')
    .argument('<dirs...>', 'datasets, excluded datasets, shards directories, or a pipeline workdir (its stages in order)')
    .requiredOption('--out <file>', 'the HTML file to write (card.json goes beside it)')
    .option('--samples <n>', 'sample documents per stage', '3')
    .option('--top <n>', 'languages, domains and reasons listed per stage', '20')
    .option('--counter-capacity <n>', 'distinct values a counter holds (its memory bound); counts are exact below it', '1000')
    .option('--json', 'print card.json on stdout as well')
    .action(async (dirs: string[], opts: { out: string; samples: string; top: string; counterCapacity: string; json?: boolean }) => {
      const samples = intOption(opts.samples, '--samples', 0)!;
      const top = intOption(opts.top, '--top', 1)!;
      const counterCapacity = intOption(opts.counterCapacity, '--counter-capacity', 1)!;
      const { writeCard } = await import('../../pipelines/card/index.js');
      // s3:// datasets are read from fresh local copies (staged-stage.ts); --out is a local file.
      const { localView } = await import('../../core/storage/staged-stage.js');
      const local = await Promise.all(dirs.map((d) => localView(d, { refresh: true })));
      const { card, html, json } = await writeCard(local, requireLocalPath(opts.out), { samples, top, counterCapacity });
      if (opts.json) return printJson(card);
      printTable(
        ['stage', 'kind', 'documents', 'tokens', 'bytes'],
        card.stages.map((s) => [s.name, s.kind, s.documents, s.tokens ?? '-', formatBytes(s.bytes)]),
      );
      process.stdout.write(`card: ${html}\ncard.json: ${json}\n`);
    });
}
