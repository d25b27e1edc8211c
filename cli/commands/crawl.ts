import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { runStage, type StageSummary } from '../../core/run-stage.js';
import type { StageDefinition } from '../../core/stage.js';
import { liveCrawlStage } from '../../crawl/live/live-crawl-stage.js';
import { reopenForRecrawl } from '../../crawl/live/recrawl.js';
import { printJson, printTable } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

interface CrawlOptions {
  url?: string[];
  seeds?: string;
  sitemap?: string[];
  warc?: string[] | boolean;
  warcList?: string;
  out: string;
  maxPages?: string;
  maxDepth?: string;
  sameHost?: boolean;
  concurrency?: string;
  perHostConcurrency?: string;
  perHostDelay?: string;
  userAgent?: string;
  allowPrivate?: boolean;
  filter: boolean;
  excluded?: boolean;
  extractor?: string;
  recrawl?: boolean;
  overwrite?: boolean;
  wait?: boolean;
  json?: boolean;
}

function intFlag(value: string | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`, { key: flag });
  return n;
}

/** Reads a seeds file: one URL per line, blank lines and # comments ignored. */
async function readSeeds(file: string): Promise<string[]> {
  const urls: string[] = [];
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const t = line.trim();
      if (t && !t.startsWith('#')) urls.push(t);
    }
  } catch (err) {
    throw new UsageError(`--seeds: cannot read ${file}: ${(err as Error).message}`, { path: file });
  }
  return urls;
}

/** Loads the archive stage of crawl/archive, or explains that it is not there. */
async function archiveStage(): Promise<StageDefinition<unknown>> {
  const mod = (await import('../../crawl/archive/index.js').catch(() => ({}))) as { archiveCrawlStage?: StageDefinition<unknown> };
  if (!mod.archiveCrawlStage) throw new UsageError('--warc/--warc-list: the archive crawler (crawl/archive) is not available in this build');
  return mod.archiveCrawlStage;
}

function printSummary(s: StageSummary): void {
  const dropped = Object.entries(s.stats).filter(([k]) => k.startsWith('dropped_')).reduce((n, [, v]) => n + v, 0);
  printTable(
    ['stage', 'documents', 'fetched', 'not modified', 'dropped', 'seconds'],
    [[s.stage, s.rows, s.stats.fetched ?? s.stats.records ?? 0, s.stats.not_modified ?? 0, dropped, Number(s.seconds.toFixed(2))]],
  );
}

/** `kiln crawl --url URL... | --seeds FILE | --sitemap URL... | --warc PATH_OR_URL... | --warc-list FILE --out DIR`. */
export function register(program: Command): void {
  program
    .command('crawl')
    .description('crawl live URLs (seeds, sitemaps) or read WARC/WET archives into a documents dataset')
    .requiredOption('--out <dir>', 'output documents dataset')
    .option('--url <urls...>', 'seed URLs (links on their hosts are followed)')
    .option('--seeds <file>', 'file of seed URLs, one per line')
    .option('--sitemap <urls...>', 'sitemap or sitemap-index URLs whose pages are seeds')
    .option('--warc [pathsOrUrls...]', 'with --url/--seeds/--sitemap: also write WARC files of every response to <out>/warc; with paths/URLs: read those WARC/WET archives instead of crawling')
    .option('--warc-list <file>', 'read the archives listed in a path list (Common Crawl warc.paths.gz style)')
    .option('--max-pages <n>', 'stop after this many pages (default 1000)')
    .option('--max-depth <n>', 'follow links at most this many hops from a seed (default 5)')
    .option('--same-host', 'only follow links to the seed hosts (default for --url and --sitemap)')
    .option('--no-same-host', 'follow links to any host')
    .option('--concurrency <n>', 'requests in flight in total (default 64)')
    .option('--per-host-concurrency <n>', 'requests in flight per host (default 2)')
    .option('--per-host-delay <ms>', 'milliseconds between request starts to one host; robots.txt Crawl-delay raises it (default 250)')
    .option('--user-agent <ua>', 'User-Agent header; its first word is the robots.txt product token')
    .option('--allow-private', 'allow private, loopback and link-local addresses (local sites)')
    .option('--no-filter', 'keep every page with text (no quality filters)')
    .option('--excluded', 'also write the documents the filters dropped, each with its reason, to <out>/excluded/ (a dataset of its own)')
    .option('--extractor <kind>', 'main (boilerplate removed, default) | plain (all visible text)')
    .option('--recrawl', 'crawl a finished output again: conditional GETs, 304 keeps the stored document, changed pages get a new version')
    .option('--overwrite', 'replace an output made with another config')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (opts: CrawlOptions) => {
      const archives = Array.isArray(opts.warc) ? opts.warc : [];
      const live = Boolean(opts.url?.length || opts.seeds || opts.sitemap?.length);
      if (live && (archives.length > 0 || opts.warcList)) throw new UsageError('give either live sources (--url/--seeds/--sitemap) or archives (--warc PATHS/--warc-list), not both');
      let summary: StageSummary;
      if (archives.length > 0 || opts.warcList) {
        const stage = await archiveStage();
        summary = await runStage(stage, {
          inputs: archives,
          out: opts.out,
          config: { warcLists: opts.warcList ? [opts.warcList] : [], filter: opts.filter, excluded: Boolean(opts.excluded) },
          overwrite: opts.overwrite,
          wait: opts.wait,
          onWait: onOutputWait(opts.out),
          signal: stopSignal(),
          quiet: opts.json,
        });
      } else {
        if (!live) throw new UsageError('nothing to crawl: give --url, --seeds, --sitemap, --warc PATHS or --warc-list');
        if (opts.warc === true && !live) throw new UsageError('--warc without paths writes archives of a live crawl: add --url, --seeds or --sitemap');
        if (opts.extractor !== undefined && opts.extractor !== 'main' && opts.extractor !== 'plain') throw new UsageError(`--extractor must be main or plain, got "${opts.extractor}"`, { key: '--extractor' });
        const urls = [...(opts.url ?? []), ...(opts.seeds ? await readSeeds(opts.seeds) : [])];
        const config: Record<string, unknown> = {
          urls,
          sitemaps: opts.sitemap ?? [],
          // --same-host is the default for --url/--sitemap; a seeds file alone usually lists many hosts on purpose.
          sameHost: opts.sameHost ?? Boolean(opts.url?.length || opts.sitemap?.length),
          warc: opts.warc === true,
          allowPrivate: Boolean(opts.allowPrivate),
          filter: opts.filter,
          excluded: Boolean(opts.excluded),
        };
        const set = (key: string, v: unknown): void => { if (v !== undefined) config[key] = v; };
        set('maxPages', intFlag(opts.maxPages, '--max-pages'));
        set('maxDepth', intFlag(opts.maxDepth, '--max-depth', 0));
        set('concurrency', intFlag(opts.concurrency, '--concurrency'));
        set('perHostConcurrency', intFlag(opts.perHostConcurrency, '--per-host-concurrency'));
        set('perHostDelayMs', intFlag(opts.perHostDelay, '--per-host-delay', 0));
        set('userAgent', opts.userAgent);
        set('extractor', opts.extractor);
        if (opts.recrawl) await reopenForRecrawl(opts.out);
        summary = await runStage(liveCrawlStage, { out: opts.out, config, overwrite: opts.overwrite, wait: opts.wait, onWait: onOutputWait(opts.out), signal: stopSignal(), quiet: opts.json });
      }
      const stopped = await endIfStopped({ out: summary.out });
      if (opts.json) return printJson(summary);
      if (!stopped) printSummary(summary);
    });
}
