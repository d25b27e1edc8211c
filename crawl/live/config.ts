// The live crawl's config: the zod schema is the documentation of every default.
import { z } from 'zod';

/** Config of the live crawl stage (`kiln crawl --url/--seeds/--sitemap`). */
export const liveCrawlConfig = z.object({
  /** Seed URLs. */
  urls: z.array(z.string()).default([]),
  /** Sitemap (or sitemap index) URLs whose pages are seeds. */
  sitemaps: z.array(z.string()).default([]),
  /** Stop after this many pages were fetched (any outcome). */
  maxPages: z.number().int().positive().default(1000),
  /** Links further than this many hops from a seed are not followed (seeds are depth 0). */
  maxDepth: z.number().int().nonnegative().default(5),
  /** Only follow links to the hosts of the seeds. */
  sameHost: z.boolean().default(true),
  /** Requests in flight across all hosts. */
  concurrency: z.number().int().positive().max(4096).default(64),
  /** Requests in flight to one host. */
  perHostConcurrency: z.number().int().positive().max(64).default(2),
  /** Milliseconds between two request starts to one host; robots.txt Crawl-delay can raise it. */
  perHostDelayMs: z.number().int().nonnegative().default(250),
  userAgent: z.string().min(1).default('kilnbot/0.1 (+https://github.com/kiln)'),
  /** Write every response as WARC beside the documents (<out>/warc/). */
  warc: z.boolean().default(false),
  /** Allow private, loopback and link-local addresses (local test sites). */
  allowPrivate: z.boolean().default(false),
  /** Honour robots.txt (turning it off is for sites you own). */
  robots: z.boolean().default(true),
  /** Discover sitemaps from robots.txt Sitemap: lines of seed hosts. */
  discoverSitemaps: z.boolean().default(true),
  /** HTML → text: 'main' = crawl/extract main-text extraction (boilerplate removed), 'plain' = all visible text. */
  extractor: z.enum(['main', 'plain']).default('main'),
  /** Language id + Gopher/C4/FineWeb quality filters (shared with the archive crawler); false keeps every page with text. */
  filter: z.boolean().default(true),
  /** `--excluded`: also write the pages dropped after fetching (filters, noindex), each with its `reason`, to `<out>/excluded/`. */
  excluded: z.boolean().default(false),
  /** Languages kept by the filter (ISO 639-1); empty keeps all. */
  languages: z.array(z.string()).default(['en']),
  /** Replace e-mail and IP addresses in the text, as FineWeb does: absent = true; `--no-pii` sets false (optional so existing outputs keep their config hash). */
  pii: z.boolean().optional(),
  /** Largest body kept (decoded bytes); past it the body is truncated or the page skipped. */
  maxBodyBytes: z.number().int().positive().default(5 * 1024 * 1024),
  /** true: keep the first maxBodyBytes of a larger page; false: skip the page. */
  truncateBody: z.boolean().default(true),
  connectTimeoutMs: z.number().int().positive().default(10_000),
  headersTimeoutMs: z.number().int().positive().default(15_000),
  /** Longest silence between two body chunks. */
  bodyTimeoutMs: z.number().int().positive().default(15_000),
  /** Whole-request deadline (a server dripping one byte a second cannot hold a slot forever). */
  requestTimeoutMs: z.number().int().positive().default(60_000),
  /** Tries after the first on 429/5xx/resets/timeouts. */
  maxRetries: z.number().int().nonnegative().default(3),
  retryBaseMs: z.number().int().nonnegative().default(500),
  retryMaxMs: z.number().int().positive().default(30_000),
  /** A Retry-After longer than this gives the URL up instead of waiting. */
  maxRetryAfterMs: z.number().int().positive().default(120_000),
  maxRedirects: z.number().int().nonnegative().max(20).default(5),
  /** How long an unreachable (5xx/timeout) robots.txt blocks its host before another try. */
  robotsErrorTtlMs: z.number().int().positive().default(60_000),
  /** Cap on URLs taken from all sitemaps together, and bytes read per sitemap file. */
  maxSitemapUrls: z.number().int().positive().default(100_000),
  maxSitemapBytes: z.number().int().positive().default(50 * 1024 * 1024),
  /** Links kept per page. */
  maxLinksPerPage: z.number().int().positive().default(1000),
  /** Content types stored as documents (media type only, no parameters). */
  contentTypes: z.array(z.string()).default(['text/html', 'application/xhtml+xml', 'text/plain']),
  /** A takedown deny list (core/deny-list.ts) checked besides `<out>/_kiln/deny-list.jsonl`; optional so existing outputs keep their config hash. */
  denyList: z.string().optional(),
  /** Commit documents (and the crawl store) at least this often. */
  commitSeconds: z.number().positive().default(10),
});

/** The parsed live crawl config. */
export type LiveCrawlConfig = z.infer<typeof liveCrawlConfig>;
