// The live crawl of one task: frontier from the crawl store, fetches under a global p-limit and
// the per-host gate, documents committed through the core TaskWriter in batches, each batch
// preceded by a flush of the crawl store (see crawl-store.ts for why that order gives
// exactly-once documents across SIGKILL).
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import pLimit from 'p-limit';
import type { ColumnSpec } from '../../core/columns.js';
import { layout } from '../../core/dataset-layout.js';
import type { Row } from '../../core/document.js';
import type { TaskContext } from '../../core/stage.js';
import { DENY_LIST_FILE, readDenyList } from '../../core/deny-list.js';
import { canonicalUrl, versionedId } from './canonical-url.js';
import type { LiveCrawlConfig } from './config.js';
import { CrawlStore, type PageState, type QueuedUrl } from './crawl-store.js';
import { HostGate } from './host-gate.js';
import { hostTask, pageShare } from './host-partition.js';
import { extractLinks } from './html-links.js';
import { createHttpAgent } from './http-client.js';
import { PageFetcher, type FetchOutcome } from './page-fetcher.js';
import { loadPageFilter } from './page-filter.js';
import { loadExtractor, pageText } from './page-text.js';
import { RobotsCache } from './robots.js';
import { parseSitemap } from './sitemap.js';
import { WarcWriter } from './warc-writer.js';

/** Columns of a live-crawl documents dataset. */
export const LIVE_CRAWL_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'text', type: 'string' },
  { name: 'url', type: 'string', nullable: true },
  { name: 'title', type: 'string', nullable: true },
  { name: 'fetched_at', type: 'string' },
  { name: 'status', type: 'int32' },
  { name: 'content_type', type: 'string' },
  { name: 'etag', type: 'string', nullable: true },
  { name: 'last_modified', type: 'string', nullable: true },
  { name: 'lang', type: 'string', nullable: true },
  { name: 'lang_score', type: 'float64', nullable: true },
  { name: 'version', type: 'int32' },
  { name: 'truncated', type: 'bool' },
];

/** What the dataset commit record holds for the live crawl. */
export interface CrawlCursor {
  /** Crawl generation: 1 for the first crawl of an output, +1 for each re-crawl. */
  gen: number;
  /** Last dataset batch committed (batch numbers never repeat across generations). */
  batch: number;
  /** Pages fetched (any outcome) in this generation up to and including `batch`. */
  pages: number;
  /** True when the generation finished (frontier empty or max pages reached). */
  complete: boolean;
}

const WARC_SOFTWARE = 'kiln live crawler (warcio)';

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Where task `task` of `taskCount` keeps its crawl store, and the prefix of its WARC files: a
 * one-task crawl keeps the layout it always had; a task of several has its own of each, so
 * tasks running at once on different nodes never share a file.
 */
export function crawlTaskPaths(out: string, task: number, taskCount: number): { store: string; warcPrefix: string } {
  const base = layout.stageState(out, 'crawl');
  if (taskCount <= 1) return { store: base, warcPrefix: 'kiln-' };
  const t = String(task).padStart(5, '0');
  return { store: path.join(base, `task-${t}`), warcPrefix: `kiln-t${t}-` };
}

/** Runs (or resumes, or re-crawls) task `ctx.task` of the live crawl of `ctx.out`: the hosts it owns (host-partition.ts). */
export async function runLiveCrawl(ctx: TaskContext<LiveCrawlConfig>): Promise<void> {
  const { config, writer, stats, log } = ctx;
  const { index: task } = ctx.task;
  const paths = crawlTaskPaths(ctx.out, task, ctx.taskCount);
  const owns = (u: URL): boolean => hostTask(u.host, ctx.taskCount) === task;
  const maxPages = pageShare(config.maxPages, task, ctx.taskCount);
  const store = await CrawlStore.open(paths.store);
  const warc = config.warc ? await WarcWriter.open(path.join(ctx.out, 'warc'), WARC_SOFTWARE, paths.warcPrefix) : null;
  const stop = new AbortController();
  // Every request, gate wait and backoff sleep listens to this one signal: up to a few per slot.
  setMaxListeners(config.concurrency * 4 + 16, stop.signal);
  const onAbort = (): void => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const agent = createHttpAgent({
    allowPrivate: config.allowPrivate,
    connectionsPerOrigin: config.perHostConcurrency,
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
  });
  const gate = new HostGate({ maxInFlight: config.perHostConcurrency, delayMs: config.perHostDelayMs });
  try {
    const prior = writer.cursor as CrawlCursor | undefined;
    const startNewGen = !prior || prior.complete;
    const cursor: CrawlCursor = prior
      ? { gen: prior.complete ? prior.gen + 1 : prior.gen, batch: prior.batch, pages: prior.complete ? 0 : prior.pages, complete: false }
      : { gen: 1, batch: 0, pages: 0, complete: false };
    const rebuilt = await store.rebuild(cursor.batch, Boolean(prior?.complete));
    log.info('crawl_start', { task, tasks: ctx.taskCount, gen: cursor.gen, resumed: Boolean(prior && !prior.complete), queued: rebuilt.queued, rolledBack: rebuilt.rolledBack, seen: store.size });

    const allSeeds = config.urls.map((u) => canonicalUrl(u)).filter((u): u is string => u !== null);
    const allSitemaps = config.sitemaps.map((u) => canonicalUrl(u)).filter((u): u is string => u !== null);
    // --same-host scope is every seed host, whichever task owns it.
    const scopeHosts = new Set([...allSeeds, ...allSitemaps].map((u) => new URL(u).host));
    const inCrawl = (u: URL): boolean => !config.sameHost || scopeHosts.has(u.host);
    // What this task fetches: its own hosts of the crawl's scope. A link or a redirect to a host
    // another task owns is left to that task (counted as other_task_links / dropped_other_task):
    // it reaches the page from its own seeds and sitemaps, never from this task's pages.
    const inScope = (u: URL): boolean => inCrawl(u) && owns(u);
    const seedUrls = allSeeds.filter((u) => owns(new URL(u)));
    const sitemapUrls = allSitemaps.filter((u) => owns(new URL(u)));

    const common = {
      agent, gate, userAgent: config.userAgent, allowPrivate: config.allowPrivate,
      requestTimeoutMs: config.requestTimeoutMs, maxRetries: config.maxRetries, retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs, maxRetryAfterMs: config.maxRetryAfterMs, maxRedirects: config.maxRedirects,
    };
    // robots.txt is loaded through the page fetcher (same agent, gate and address guard).
    const robots: RobotsCache | null = config.robots
      ? new RobotsCache({ userAgent: config.userAgent, errorTtlMs: config.robotsErrorTtlMs, load: (origin) => fetcher.loadRobots(origin, stop.signal) })
      : null;
    const fetcher: PageFetcher = new PageFetcher({
      ...common, robots, inScope: inCrawl, owns,
      contentTypes: config.contentTypes, maxBodyBytes: config.maxBodyBytes, truncateBody: config.truncateBody,
    });

    if (startNewGen) {
      // A re-crawl's counters are its own generation's (fetched, kept, not_modified ...): the
      // task's stats would otherwise carry every earlier generation's. A resume within a
      // generation keeps them (they come back from its last commit).
      if (prior) stats.clear();
      for (const u of seedUrls) store.enqueue(u, 0);
      const sitemapFetcher = new PageFetcher({
        ...common, robots, contentTypes: ['application/xml', 'text/xml', 'application/gzip', 'application/x-gzip', 'text/plain', 'application/octet-stream'],
        maxBodyBytes: config.maxSitemapBytes, truncateBody: true,
      });
      await readSitemaps(sitemapFetcher, config, seedUrls, sitemapUrls, robots, (u) => {
        if (inScope(new URL(u)) && store.enqueue(u, 0)) stats.inc('sitemap_urls');
      }, stop.signal, log);
    }

    // Taken-down URLs, domains and ids (kiln takedown) are never fetched or kept again: the list
    // beside the output, and the one the config names.
    const deny = await readDenyList(path.join(layout.meta(ctx.out), DENY_LIST_FILE));
    if (config.denyList) await readDenyList(path.resolve(config.denyList), deny);
    if (deny.size > 0) log.info('crawl_deny_list', { urls: deny.urls.size, domains: deny.domains.size, ids: deny.ids.size });
    const ex = config.extractor === 'main' ? await loadExtractor() : null;
    const filterPage = await loadPageFilter({ filter: config.filter, languages: config.languages, pii: config.pii });
    const limit = pLimit(config.concurrency);
    let currentBatch = cursor.batch + 1;
    let pagesDone = cursor.pages;
    let pagesStarted = cursor.pages;
    let pending: Row[] = [];
    // Pages dropped after fetching, for the excluded dataset (--excluded): committed with their batch.
    let pendingExcluded: { row: Row; reason: string }[] = [];
    let pendingBytes = 0;
    let lastCommit = Date.now();
    let committing: Promise<void> = Promise.resolve();
    let wake: (() => void) | undefined;
    let commitError: unknown;
    // Counters of the open batch: they reach the task's stats only with the batch's commit, so a
    // rolled-back batch is not counted twice after a resume.
    let counts = new Map<string, number>();
    const count = (name: string): void => { counts.set(name, (counts.get(name) ?? 0) + 1); };
    const notify = (): void => { const w = wake; wake = undefined; w?.(); };

    // Switches to the next batch synchronously, then makes the closed batch durable: store
    // flush, WARC seal, dataset commit, in that order.
    const commit = (complete: boolean): Promise<void> => {
      const batch = currentBatch++;
      const rows = pending;
      const excludedRows = pendingExcluded;
      const pages = pagesDone;
      const deltas = counts;
      counts = new Map();
      pending = [];
      pendingExcluded = [];
      pendingBytes = 0;
      lastCommit = Date.now();
      const sealed = warc?.seal();
      committing = committing.then(async () => {
        for (const r of rows) writer.push(r);
        for (const e of excludedRows) ctx.exclude(e.row, e.reason);
        for (const [k, v] of deltas) stats.inc(k, v);
        await store.flush();
        if (sealed) await sealed;
        await writer.commit({ gen: cursor.gen, batch, pages, complete } satisfies CrawlCursor);
      });
      return committing;
    };

    const settle = (item: QueuedUrl, outcome: FetchOutcome): void => {
      const rec = item.record;
      const keep: PageState = { etag: rec.etag, lastModified: rec.lastModified, version: rec.version, hash: rec.hash };
      const batch = currentBatch;
      pagesDone++;
      if (outcome.kind === 'skipped') {
        count(`dropped_${outcome.reason}`);
        store.markFetched(item.url, batch, keep);
        return;
      }
      if (outcome.kind === 'not-modified') {
        count('not_modified');
        store.markFetched(item.url, batch, { ...keep, etag: outcome.headers.etag ?? keep.etag, lastModified: outcome.headers['last-modified'] ?? keep.lastModified });
        return;
      }
      count('fetched');
      ctx.progress(1, outcome.body.byteLength);
      const finalUrl = outcome.url;
      const validators = { etag: outcome.headers.etag ?? null, lastModified: outcome.headers['last-modified'] ?? null };
      let page: PageState = { ...keep, ...validators };
      let docRow: Row | null = null;
      let links: string[] = [];
      let reason: string | null = null;
      const redirected = finalUrl !== item.url;
      if (deny.deniesUrl(finalUrl) || deny.ids.has(versionedId(finalUrl, rec.version + 1))) {
        reason = 'takedown';
      } else if (redirected && store.get(finalUrl)) {
        // The target has its own frontier entry; its fetch makes the document.
        reason = 'redirect_to_seen';
      } else {
        let text = '';
        let title: string | undefined;
        try {
          const t = pageText(ex, outcome.body, outcome.contentType, outcome.headers['content-type'], finalUrl);
          text = t.text;
          title = t.title;
          // Counted whatever happens to the page next; the extractor's log line names the URL.
          if (t.extractTruncated) count('extract_truncated');
          if (t.html !== null) {
            const found = extractLinks(t.html, finalUrl, config.maxLinksPerPage);
            links = found.links;
            if (found.noindex) reason = 'noindex';
          }
        } catch (err) {
          reason = 'extract_error';
          log.warn('extract_error', { url: finalUrl, error: (err as Error).message });
        }
        // A document row of this page: kept (as a new version) or, with --excluded, dropped.
        const rowOf = (body: string, version: number, lang: string | null, langScore: number | null): Row => ({
          id: versionedId(finalUrl, version), text: body, url: finalUrl, title: title ?? null,
          fetched_at: new Date().toISOString(), status: outcome.status, content_type: outcome.contentType,
          etag: validators.etag, last_modified: validators.lastModified, lang, lang_score: langScore,
          version, truncated: outcome.truncated,
        });
        let verdict: ReturnType<typeof filterPage> | null = null;
        if (!reason) {
          verdict = filterPage(text);
          if (!verdict.keep) reason = verdict.reason;
        }
        if (verdict?.keep) {
          // Unchanged content is compared on the text as stored (after filters and PII replacement).
          const hash = sha1(verdict.text);
          if (hash === rec.hash) {
            count('unchanged');
          } else {
            const version = rec.version + 1;
            page = { ...page, version, hash };
            docRow = rowOf(verdict.text, version, verdict.lang, verdict.langScore);
          }
        }
        if (reason && config.excluded) {
          const known = verdict && !verdict.keep ? verdict : undefined;
          pendingExcluded.push({ reason, row: rowOf(filterPage.scrub(text), rec.version + 1, known?.lang ?? null, known?.langScore ?? null) });
          pendingBytes += text.length;
        }
      }
      if (reason) count(`dropped_${reason}`);
      if (docRow) {
        count('kept');
        if (outcome.truncated) count('truncated');
        pending.push(docRow);
        pendingBytes += (docRow.text as string).length;
      }
      if (redirected) {
        store.markFetched(item.url, batch, keep);
        if (!store.get(finalUrl)) store.enqueue(finalUrl, rec.depth);
        if (reason !== 'redirect_to_seen') store.markFetched(finalUrl, batch, page);
      } else {
        store.markFetched(item.url, batch, page);
      }
      if (warc) void warc.write(batch, { url: finalUrl, date: new Date(), status: outcome.status, headers: outcome.headers, body: outcome.body, truncated: outcome.truncated });
      if (rec.depth < config.maxDepth) {
        for (const link of links) {
          const u = new URL(link);
          if (!inCrawl(u)) continue;
          if (!owns(u)) count('other_task_links');
          else if (store.enqueue(link, rec.depth + 1)) count('discovered');
        }
      }
    };

    const process1 = async (item: QueuedUrl): Promise<void> => {
      let outcome: FetchOutcome;
      if (deny.deniesUrl(item.url)) {
        settle(item, { kind: 'skipped', reason: 'takedown', url: item.url });
        return;
      }
      try {
        const validators = rec0Validators(item);
        outcome = await fetcher.fetch(item.url, validators, stop.signal);
      } catch (err) {
        if (stop.signal.aborted) return; // stays queued in the store; the next run fetches it
        log.warn('fetch_error', { url: item.url, error: (err as Error).message });
        outcome = { kind: 'skipped', reason: 'network', url: item.url, detail: (err as Error).message };
      }
      settle(item, outcome);
      // 32 MiB of pending text bounds the crawler's document buffer between commits.
      if (Date.now() - lastCommit >= config.commitSeconds * 1000 || pendingBytes >= 32 * 1024 * 1024) {
        commit(false).catch((err: unknown) => {
          commitError ??= err;
          stop.abort(err);
        });
      }
    };

    let inflight = 0;
    const window = config.concurrency * 2; // URLs held in memory beyond those in flight: bounded
    while (!stop.signal.aborted) {
      if (pagesStarted >= maxPages) break;
      if (inflight >= window) {
        await new Promise<void>((r) => { wake = r; });
        continue;
      }
      const items = await store.take(Math.min(window - inflight, maxPages - pagesStarted));
      if (items.length === 0) {
        if (inflight === 0) break;
        await new Promise<void>((r) => { wake = r; });
        continue;
      }
      for (const item of items) {
        pagesStarted++;
        inflight++;
        void limit(() => process1(item)).catch((err: unknown) => log.error('crawl_bug', { url: item.url, error: String(err) })).finally(() => {
          inflight--;
          notify();
        });
      }
    }
    while (inflight > 0) await new Promise<void>((r) => { wake = r; });
    if (commitError) throw commitError;
    const finished = !stop.signal.aborted;
    await commit(finished);
    log.info('crawl_done', { gen: cursor.gen, pages: pagesDone, complete: finished, seen: store.size });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await warc?.abandon();
    gate.close();
    await agent.close().catch(() => {});
    await store.close();
  }
}

function rec0Validators(item: QueuedUrl): { etag?: string | null; lastModified?: string | null } {
  // Only a page with a stored version has something to revalidate.
  return item.record.version > 0 ? { etag: item.record.etag, lastModified: item.record.lastModified } : {};
}

async function readSitemaps(
  fetcher: PageFetcher,
  config: LiveCrawlConfig,
  seeds: string[],
  explicit: string[],
  robots: RobotsCache | null,
  add: (url: string) => void,
  signal: AbortSignal,
  log: TaskContext<LiveCrawlConfig>['log'],
): Promise<void> {
  const todo: Array<{ url: string; depth: number }> = explicit.map((url) => ({ url, depth: 0 }));
  if (config.discoverSitemaps && robots) {
    for (const origin of new Set(seeds.map((s) => new URL(s).origin))) {
      const rules = await robots.rulesFor(new URL(origin));
      const listed = rules.sitemaps.map((s) => canonicalUrl(s, origin)).filter((s): s is string => s !== null);
      for (const s of listed.length > 0 ? listed : [`${origin}/sitemap.xml`]) todo.push({ url: s, depth: 0 });
    }
  }
  const done = new Set<string>();
  let urls = 0;
  // Bounds for hostile sitemap indexes: 100 files, nesting 3 deep, maxSitemapUrls in total.
  while (todo.length > 0 && done.size < 100 && urls < config.maxSitemapUrls) {
    const { url, depth } = todo.shift()!;
    if (done.has(url)) continue;
    done.add(url);
    const out = await fetcher.fetch(url, {}, signal).catch((err: unknown) => ({ kind: 'skipped' as const, reason: 'network' as const, url, detail: String(err) }));
    if (out.kind !== 'page') {
      if (explicit.includes(url)) log.warn('sitemap_unavailable', { url, reason: out.kind === 'skipped' ? out.reason : out.kind });
      continue;
    }
    const parsed = parseSitemap(out.body, out.url, config.maxSitemapUrls - urls, config.maxSitemapBytes);
    for (const u of parsed.urls) add(u);
    urls += parsed.urls.length;
    if (depth < 3) for (const s of parsed.sitemaps) todo.push({ url: s, depth: depth + 1 });
  }
}
