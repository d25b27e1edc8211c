import { createReadStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import type { StageSummary } from '../../core/run-stage.js';
import { UsageError } from '../../core/errors.js';
import { choiceOption, intOption } from '../number-option.js';
import { printJson, printTable } from '../print.js';
import { endIfStopped, stopSignal } from '../stop-signal.js';
import { onOutputWait } from '../output-wait.js';

interface CrawlOptions {
  denyList?: string;
  url?: string[];
  seeds?: string;
  sitemap?: string[];
  warc?: string[] | boolean;
  warcList?: string;
  out: string;
  maxPages?: string;
  maxDepth?: string;
  maxFiles?: string;
  workers?: string;
  tasks?: string;
  sameHost?: boolean;
  concurrency?: string;
  perHostConcurrency?: string;
  perHostDelay?: string;
  userAgent?: string;
  allowPrivate?: boolean;
  filter: boolean;
  languages?: string;
  pii: boolean;
  excluded?: boolean;
  extractor?: string;
  onCorrupt?: string;
  recrawl?: boolean;
  overwrite?: boolean;
  wait?: boolean;
  json?: boolean;
}

// Flags only one input mode can honour (option attribute -> flag); the other mode refuses them.
const LIVE_ONLY: ReadonlyArray<[keyof CrawlOptions, string]> = [
  ['maxPages', '--max-pages'],
  ['maxDepth', '--max-depth'],
  ['sameHost', '--same-host/--no-same-host'],
  ['concurrency', '--concurrency'],
  ['perHostConcurrency', '--per-host-concurrency'],
  ['perHostDelay', '--per-host-delay'],
  ['userAgent', '--user-agent'],
  ['allowPrivate', '--allow-private'],
  ['recrawl', '--recrawl'],
];
const ARCHIVE_ONLY: ReadonlyArray<[keyof CrawlOptions, string]> = [
  ['maxFiles', '--max-files'],
  ['onCorrupt', '--on-corrupt'],
];

/** Refuses the flags of the other mode: an option a mode cannot honour is bad usage, never ignored. */
function refuseOtherMode(opts: CrawlOptions, mode: 'live' | 'archive'): void {
  const foreign = (mode === 'live' ? ARCHIVE_ONLY : LIVE_ONLY).filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
  if (foreign.length === 0) return;
  const hint = mode === 'archive' && opts.maxPages !== undefined ? ' (to sample archives, use --max-files N)' : '';
  throw new UsageError(`${foreign.join(', ')} only apply to ${mode === 'live' ? 'archives (--warc PATHS/--warc-list)' : 'live crawls (--url/--seeds/--sitemap)'}${hint}`, { key: foreign[0] });
}

/** `--languages en,de` -> ['en', 'de']; `all` -> [] (keep every language). */
export function parseLanguages(value: string): string[] {
  if (value.trim().toLowerCase() === 'all') return [];
  const codes = value.split(',').map((c) => c.trim().toLowerCase());
  const bad = codes.find((c) => !/^[a-z]{2,3}$/.test(c));
  if (bad !== undefined) throw new UsageError(`--languages takes ISO 639-1 codes separated by commas (en,de) or all, got "${value}"`, { key: '--languages' });
  return codes;
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

/** Refuses seeds on loopback/private addresses without --allow-private (the crawl would fetch nothing). */
async function refusePrivateSeeds(urls: string[]): Promise<void> {
  const { isBlockedAddress } = await import('../../crawl/live/address-guard.js');
  const { isIP } = await import('node:net');
  for (const u of urls) {
    let host: string;
    try {
      host = new URL(u).hostname.replace(/^\[|\]$/g, '');
    } catch {
      continue; // the crawler reports a malformed seed with its own reason
    }
    const local = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isBlockedAddress(host));
    if (local) throw new UsageError(`seed ${u} is a loopback or private address, which kiln refuses by default: add --allow-private to crawl it`, { key: '--allow-private' });
  }
}

// What to try when every document of a crawl was dropped, by drop reason.
const DROP_HINTS: Readonly<Record<string, string>> = {
  language: 'keep other languages with --languages xx,yy or --languages all',
  private_address: 'add --allow-private to crawl private or loopback addresses',
  robots: 'robots.txt disallows these pages',
};

/** When a crawl kept nothing, says on stderr why most documents were dropped (the reason is otherwise only in --json). */
export function explainEmpty(s: StageSummary): string | undefined {
  if (s.rows > 0 || s.stopped) return undefined;
  const drops = Object.entries(s.stats).filter(([k, v]) => k.startsWith('dropped_') && v > 0).sort((a, b) => b[1] - a[1]);
  if (drops.length === 0) return undefined;
  const [key, n] = drops[0];
  const reason = key.slice('dropped_'.length);
  const total = drops.reduce((sum, [, v]) => sum + v, 0);
  const hint = DROP_HINTS[reason] ?? (reason === 'empty_text' ? 'the pages have no text' : 'turn the quality filters off with --no-filter');
  return `kiln: crawl kept 0 documents: ${n} of ${total} dropped for ${reason}; ${hint}`;
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
    .option('--languages <codes>', 'languages to keep, ISO 639-1 codes separated by commas (en,de), or all (default en)')
    .option('--extractor <kind>', 'main (boilerplate removed, default) | plain (all visible text)')
    .option('--no-filter', 'keep every page with text (no language or quality filters)')
    .option('--no-pii', 'keep e-mail and IP addresses as they are (by default they are replaced, as FineWeb does, with or without filters)')
    .option('--deny-list <file>', 'a takedown deny list (kiln takedown --deny-list): live, its URLs and domains are never fetched; archives, its records are dropped (dropped_takedown)')
    .option('--excluded', 'also write the documents the filters dropped, each with its reason, to <out>/excluded/ (a dataset of its own)')
    .option('--max-pages <n>', 'live: stop after this many pages (default 1000)')
    .option('--max-depth <n>', 'live: follow links at most this many hops from a seed (default 5)')
    .option('--same-host', 'live: only follow links to the seed hosts (default for --url and --sitemap)')
    .option('--no-same-host', 'live: follow links to any host')
    .option('--concurrency <n>', 'live: requests in flight in total (default 64)')
    .option('--per-host-concurrency <n>', 'live: requests in flight per host (default 2)')
    .option('--per-host-delay <ms>', 'live: milliseconds between request starts to one host; robots.txt Crawl-delay raises it (default 250)')
    .option('--user-agent <ua>', 'live: User-Agent header; its first word is the robots.txt product token')
    .option('--allow-private', 'live: allow private, loopback and link-local addresses (local sites); refused without it')
    .option('--recrawl', 'live: crawl a finished output again: conditional GETs, 304 keeps the stored document, changed pages get a new version')
    .option('--max-files <n>', 'archives: read at most this many files (after expanding --warc-list), for a sample of a crawl')
    .option('--workers <n>', 'tasks run at once, one per core by default (the output is the same for any number)')
    .option('--tasks <n>', 'live: tasks that split the hosts by a hash of each (default 1; a host is crawled by one task, so politeness holds; --max-pages is shared out); archives: default one per 64 MiB of input, small files are grouped, a big per-record .warc.gz is cut at gzip member starts')
    .option('--on-corrupt <what>', 'archives: a truncated or corrupt file fails its task (fail, default) or is counted and skipped (skip)')
    .option('--overwrite', 'replace an output made with another config')
    .option('--wait', 'if another run is writing --out, wait for it instead of failing (KILN_OUTPUT_LOCKED)')
    .option('--json', 'print one JSON summary on stdout')
    .addHelpText('after', '\nEvery flag applies to both modes unless marked live: or archives:; a flag of the other mode is refused (exit 2).\n')
    .action(async (opts: CrawlOptions) => {
      const archives = Array.isArray(opts.warc) ? opts.warc : [];
      const live = Boolean(opts.url?.length || opts.seeds || opts.sitemap?.length);
      const archive = archives.length > 0 || opts.warcList !== undefined;
      if (live && archive) throw new UsageError('give either live sources (--url/--seeds/--sitemap) or archives (--warc PATHS/--warc-list), not both');
      if (!live && !archive) {
        if (opts.warc === true) throw new UsageError('--warc without paths writes archives of a live crawl: add --url, --seeds or --sitemap');
        throw new UsageError('nothing to crawl: give --url, --seeds, --sitemap, --warc PATHS or --warc-list');
      }
      refuseOtherMode(opts, live ? 'live' : 'archive');
      const extractor = opts.extractor === undefined ? undefined : choiceOption(opts.extractor, '--extractor', ['main', 'plain'] as const);
      const languages = opts.languages === undefined ? undefined : parseLanguages(opts.languages);
      // Absent keys keep the stage's defaults (and an existing output's config hash).
      const common: Record<string, unknown> = { filter: opts.filter, excluded: Boolean(opts.excluded) };
      const set = (config: Record<string, unknown>, key: string, v: unknown): void => {
        if (v !== undefined) config[key] = v;
      };
      set(common, 'extractor', extractor);
      set(common, 'languages', languages);
      const { runStage } = await import('../../core/run-stage.js');
      let summary: StageSummary;
      if (archive) {
        const config: Record<string, unknown> = { ...common, warcLists: opts.warcList ? [opts.warcList] : [] };
        set(config, 'denyList', opts.denyList === undefined ? undefined : path.resolve(opts.denyList));
        set(config, 'maxFiles', intOption(opts.maxFiles, '--max-files'));
        set(config, 'onCorrupt', opts.onCorrupt === undefined ? undefined : choiceOption(opts.onCorrupt, '--on-corrupt', ['fail', 'skip'] as const));
        if (!opts.pii) config.pii = { emails: false, ips: false };
        const workers = intOption(opts.workers, '--workers');
        const tasks = intOption(opts.tasks, '--tasks');
        const { archiveCrawlStage } = await import('../../crawl/archive/archive-stage.js');
        summary = await runStage(archiveCrawlStage, { inputs: archives, out: opts.out, config, workers, tasks, overwrite: opts.overwrite, wait: opts.wait, onWait: onOutputWait(opts.out), signal: stopSignal(), quiet: opts.json });
      } else {
        const urls = [...(opts.url ?? []), ...(opts.seeds ? await readSeeds(opts.seeds) : [])];
        if (!opts.allowPrivate) await refusePrivateSeeds([...urls, ...(opts.sitemap ?? [])]);
        const config: Record<string, unknown> = {
          ...common,
          urls,
          sitemaps: opts.sitemap ?? [],
          // --same-host is the default for --url/--sitemap; a seeds file alone usually lists many hosts on purpose.
          sameHost: opts.sameHost ?? Boolean(opts.url?.length || opts.sitemap?.length),
          warc: opts.warc === true,
          allowPrivate: Boolean(opts.allowPrivate),
        };
        set(config, 'denyList', opts.denyList === undefined ? undefined : path.resolve(opts.denyList));
        set(config, 'maxPages', intOption(opts.maxPages, '--max-pages'));
        set(config, 'maxDepth', intOption(opts.maxDepth, '--max-depth', 0));
        set(config, 'concurrency', intOption(opts.concurrency, '--concurrency'));
        set(config, 'perHostConcurrency', intOption(opts.perHostConcurrency, '--per-host-concurrency'));
        set(config, 'perHostDelayMs', intOption(opts.perHostDelay, '--per-host-delay', 0));
        set(config, 'userAgent', opts.userAgent);
        if (!opts.pii) config.pii = false;
        const [{ liveCrawlStage }, { reopenForRecrawl }] = await Promise.all([
          import('../../crawl/live/live-crawl-stage.js'),
          import('../../crawl/live/recrawl.js'),
        ]);
        // A re-crawl's stats are its own generation's (the crawler starts them afresh).
        if (opts.recrawl) await reopenForRecrawl(opts.out);
        const workers = intOption(opts.workers, '--workers');
        const tasks = intOption(opts.tasks, '--tasks');
        summary = await runStage(liveCrawlStage, { out: opts.out, config, workers, tasks, overwrite: opts.overwrite, wait: opts.wait, onWait: onOutputWait(opts.out), signal: stopSignal(), quiet: opts.json });
      }
      const stopped = await endIfStopped({ out: summary.out });
      const empty = stopped ? undefined : explainEmpty(summary);
      if (empty) process.stderr.write(`${empty}\n`);
      if (opts.json) return printJson(summary);
      if (!stopped) printSummary(summary);
    });
}
