import type { Command } from 'commander';
import { printJson } from '../print.js';

interface TakedownFlags {
  urls?: string;
  domains?: string;
  ids?: string;
  pipeline?: string;
  datasets?: string[];
  reason?: string;
  state?: string;
  denyList?: string;
  json?: boolean;
}

/** `kiln takedown`: removes documents everywhere they went, as a new generation, and keeps them out. */
export function register(program: Command): void {
  program
    .command('takedown')
    .description('remove documents (by URL, domain or id) from every dataset of a pipeline and from the shards made of them; a deny list keeps later crawls from bringing them back')
    .option('--urls <file>', 'URLs to take down, one a line')
    .option('--domains <file>', 'domains to take down (subdomains included), one a line')
    .option('--ids <file>', 'document ids to take down, one a line')
    .option('--pipeline <file>', 'the pipeline whose datasets and shards to clean (its lock is taken)')
    .option('--datasets <dir...>', 'datasets and shards directories to clean instead of a pipeline')
    .option('--reason <text>', 'why, for the takedown log')
    .option('--state <dir>', 'folder of the deny list, the takedown log and the journal (default with --pipeline: <workdir>/state/takedown)')
    .option('--deny-list <file>', 'also add the entries to this deny list (the one a `kiln crawl --deny-list` reads)')
    .option('--json', 'print one JSON summary object')
    .action(async (opts: TakedownFlags) => {
      const { readRuleFile, runTakedown } = await import('../../pipelines/takedown/index.js');
      const r = await runTakedown({
        urls: opts.urls ? await readRuleFile(opts.urls) : undefined,
        domains: opts.domains ? await readRuleFile(opts.domains) : undefined,
        ids: opts.ids ? await readRuleFile(opts.ids) : undefined,
        pipeline: opts.pipeline,
        datasets: opts.datasets,
        reason: opts.reason,
        state: opts.state,
        denyList: opts.denyList,
      });
      if (opts.json) {
        printJson(r);
        return;
      }
      const rows = r.datasets.reduce((a, d) => a + d.removed, 0);
      const rebuilt = r.shards.reduce((a, s) => a + Object.keys(s.rebuilt).length, 0);
      const kept = r.shards.reduce((a, s) => a + s.kept, 0);
      process.stdout.write(`takedown ${r.id}: ${r.removed.length} document(s), ${rows} row(s) removed from ${r.datasets.filter((d) => d.removed > 0).length} dataset(s); ${rebuilt} shard(s) rebuilt, ${kept} kept as they were\n`);
      process.stdout.write(`deny list: ${r.denyList}\nlog: ${r.log}\n`);
    });
}
