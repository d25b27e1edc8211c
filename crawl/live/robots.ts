// robots.txt per host, following Google's rules (developers.google.com/search/docs/crawling-
// indexing/robots/robots_txt): 4xx means "no rules, crawl everything"; 5xx, 429 and network
// failures mean "assume a full disallow" until a retry after `errorTtlMs`; only the first
// `maxBytes` (500 KiB, Google's limit) are parsed, so a huge or binary file cannot grow memory.
// Parsing and matching (RFC 9309) live in robots-rules.ts and robots-match.ts.
import { robotsPath } from './robots-match.js';
import { groupsFor, parseRobotsTxt, productToken, rulesAllow } from './robots-rules.js';

/** What fetching /robots.txt gave. */
export type RobotsFetchResult =
  | { kind: 'ok'; text: string }
  | { kind: 'allow-all' }
  | { kind: 'unreachable'; reason: string };

/** The rules that apply to one origin. */
export interface RobotsRules {
  isAllowed(url: string): boolean;
  /** Crawl-delay for our user agent in ms, or undefined. */
  crawlDelayMs: number | undefined;
  sitemaps: string[];
  /** Why the origin is blocked, when it is blocked as a whole ('unreachable'). */
  blockedReason?: string;
}

export interface RobotsCacheOptions {
  userAgent: string;
  load(origin: string): Promise<RobotsFetchResult>;
  /** How long a fetched robots.txt is trusted (Google: up to 24 h). */
  ttlMs?: number;
  /** How long an unreachable robots.txt blocks its host before it is fetched again. */
  errorTtlMs?: number;
  /** Bound on cached origins; the oldest entry is dropped past it (memory bound for wide crawls). */
  maxOrigins?: number;
}

interface Entry {
  rules: Promise<RobotsRules>;
  expires: number;
}

/** Parses robots.txt text into the rules for `userAgent` (by its product token); the cache keys them by origin. */
export function parseRobots(text: string, userAgent: string): RobotsRules {
  const txt = parseRobotsTxt(text);
  const groups = groupsFor(txt, productToken(userAgent));
  const rules = groups.flatMap((g) => g.rules);
  const delay = groups.find((g) => g.crawlDelaySeconds !== undefined)?.crawlDelaySeconds;
  return {
    isAllowed: (url) => rulesAllow(rules, robotsPath(url)),
    crawlDelayMs: delay === undefined ? undefined : delay * 1000,
    sitemaps: txt.sitemaps,
  };
}

const ALLOW_ALL: RobotsRules = { isAllowed: () => true, crawlDelayMs: undefined, sitemaps: [] };

/** Caches robots rules per origin; concurrent asks for one origin share one fetch. */
export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly errorTtlMs: number;
  private readonly maxOrigins: number;

  constructor(private readonly options: RobotsCacheOptions) {
    this.ttlMs = options.ttlMs ?? 24 * 3600_000;
    this.errorTtlMs = options.errorTtlMs ?? 60_000;
    this.maxOrigins = options.maxOrigins ?? 10_000;
  }

  /** The rules for the origin of `url` (fetching robots.txt when not cached or expired). */
  rulesFor(url: URL): Promise<RobotsRules> {
    const origin = url.origin;
    const now = Date.now();
    const hit = this.entries.get(origin);
    if (hit && hit.expires > now) return hit.rules;
    const entry: Entry = { rules: this.fetch(origin), expires: Infinity };
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    if (this.entries.size > this.maxOrigins) this.entries.delete(this.entries.keys().next().value as string);
    entry.rules.then((r) => { entry.expires = Date.now() + (r.blockedReason ? this.errorTtlMs : this.ttlMs); });
    return entry.rules;
  }

  private async fetch(origin: string): Promise<RobotsRules> {
    let result: RobotsFetchResult;
    try {
      result = await this.options.load(origin);
    } catch (err) {
      result = { kind: 'unreachable', reason: (err as Error).message };
    }
    if (result.kind === 'allow-all') return ALLOW_ALL;
    if (result.kind === 'unreachable') return { isAllowed: () => false, crawlDelayMs: undefined, sitemaps: [], blockedReason: result.reason };
    return parseRobots(result.text, this.options.userAgent);
  }
}
