// Fetching one URL politely: robots.txt and the address guard on every redirect hop, the
// per-host gate around every request, retries with backoff on "try later" answers, and the
// content-type and size limits on what is kept.
import net from 'node:net';
import type { Dispatcher } from 'undici';
import { isBlockedAddress } from './address-guard.js';
import { canonicalUrl } from './canonical-url.js';
import type { HostGate } from './host-gate.js';
import { BodyTooLargeError, discardBody, readBodyCapped, sendGet } from './http-client.js';
import { backoffMs, isRetryableError, isRetryableStatus, parseRetryAfter } from './retry-policy.js';
import type { RobotsCache, RobotsFetchResult } from './robots.js';

/** Validators from an earlier fetch, sent as If-None-Match / If-Modified-Since. */
export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

/** Why a URL produced no page. */
export type SkipReason =
  | 'robots' | 'robots_unreachable' | 'private_address' | 'bad_url' | 'content_type' | 'too_large'
  | 'http_status' | 'redirect_loop' | 'too_many_redirects' | 'retries_exhausted' | 'retry_after_too_long'
  | 'network' | 'encoding' | 'offsite_redirect' | 'other_task' | 'takedown';

/** The outcome of fetching one URL. */
export type FetchOutcome =
  | { kind: 'page'; url: string; status: number; headers: Record<string, string>; contentType: string; body: Uint8Array; truncated: boolean; attempts: number }
  | { kind: 'not-modified'; url: string; status: 304; headers: Record<string, string> }
  | { kind: 'skipped'; reason: SkipReason; url: string; status?: number; detail?: string };

export interface PageFetcherOptions {
  agent: Dispatcher;
  gate: HostGate;
  robots: RobotsCache | null;
  userAgent: string;
  allowPrivate: boolean;
  contentTypes: readonly string[];
  maxBodyBytes: number;
  truncateBody: boolean;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRetryAfterMs: number;
  maxRedirects: number;
  /** Whether a redirect may leave the crawl's scope (e.g. --same-host); default: anywhere. */
  inScope?: (url: URL) => boolean;
  /** Whether this task owns a host (host-partition.ts); a redirect to another task's host is left to it. Default: every host. */
  owns?: (url: URL) => boolean;
}

class RetryLater extends Error {
  constructor(readonly status: number | undefined, readonly waitMs: number | undefined, readonly detail: string) {
    super(detail);
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && e.code.startsWith('KILN_')) return e.code;
  }
  return (err as { code?: string })?.code;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(signal.reason); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Fetches pages for the crawler; one instance per crawl. */
export class PageFetcher {
  constructor(private readonly o: PageFetcherOptions) {}

  private baseHeaders(): Record<string, string> {
    return {
      'user-agent': this.o.userAgent,
      accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1',
      'accept-encoding': 'gzip, deflate, br',
    };
  }

  private literalBlocked(u: URL): boolean {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return !this.o.allowPrivate && net.isIP(host) !== 0 && isBlockedAddress(host);
  }

  /** Loads /robots.txt of `origin` for the RobotsCache (redirects followed, 500 KiB read). */
  async loadRobots(origin: string, signal: AbortSignal): Promise<RobotsFetchResult> {
    let url = new URL('/robots.txt', origin);
    for (let hop = 0; hop <= 5; hop++) {
      if (this.literalBlocked(url)) return { kind: 'unreachable', reason: 'private address' };
      const release = await this.o.gate.acquire(url.host, signal);
      try {
        const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.o.requestTimeoutMs)]);
        const res = await sendGet(this.o.agent, url, this.baseHeaders(), deadline);
        if (res.status >= 300 && res.status < 400 && res.headers.location) {
          await discardBody(res.body);
          const next = canonicalUrl(res.headers.location, url);
          if (!next) return { kind: 'allow-all' };
          url = new URL(next);
          continue;
        }
        if (res.status === 429 || res.status >= 500) {
          await discardBody(res.body);
          return { kind: 'unreachable', reason: `robots.txt answered ${res.status}` };
        }
        if (res.status >= 400) {
          await discardBody(res.body);
          return { kind: 'allow-all' };
        }
        // Google reads the first 500 KiB and ignores the rest; so do we (binary junk parses to no rules).
        const { bytes } = await readBodyCapped(url.href, res.body, res.headers['content-encoding'], 500 * 1024, true);
        return { kind: 'ok', text: Buffer.from(bytes).toString('utf8') };
      } catch (err) {
        if (signal.aborted) throw err;
        return { kind: 'unreachable', reason: errorCode(err) === 'KILN_CRAWL_PRIVATE_ADDRESS' ? 'private address' : `robots.txt: ${(err as Error).message}` };
      } finally {
        release();
      }
    }
    return { kind: 'allow-all' }; // Google: too many redirects = no robots.txt
  }

  /** Fetches `startUrl` (following redirects), retrying what is worth retrying. */
  async fetch(startUrl: string, validators: Validators, signal: AbortSignal): Promise<FetchOutcome> {
    let lastDetail = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.fetchOnce(startUrl, validators, signal);
        if (out.kind === 'page') out.attempts = attempt + 1;
        return out;
      } catch (err) {
        if (signal.aborted) throw err;
        if (!(err instanceof RetryLater)) throw err;
        lastDetail = err.detail;
        if (attempt >= this.o.maxRetries) return { kind: 'skipped', reason: 'retries_exhausted', url: startUrl, status: err.status, detail: lastDetail };
        if (err.waitMs !== undefined && err.waitMs > this.o.maxRetryAfterMs) {
          return { kind: 'skipped', reason: 'retry_after_too_long', url: startUrl, status: err.status, detail: `Retry-After ${err.waitMs} ms` };
        }
        const wait = Math.max(err.waitMs ?? 0, backoffMs(attempt, this.o.retryBaseMs, this.o.retryMaxMs));
        await sleep(wait, signal);
      }
    }
  }

  private async fetchOnce(startUrl: string, validators: Validators, signal: AbortSignal): Promise<FetchOutcome> {
    const visited = new Set<string>();
    let current = startUrl;
    for (let hop = 0; ; hop++) {
      let url: URL;
      try {
        url = new URL(current);
      } catch {
        return { kind: 'skipped', reason: 'bad_url', url: current };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'skipped', reason: 'bad_url', url: current };
      if (this.literalBlocked(url)) return { kind: 'skipped', reason: 'private_address', url: current };
      visited.add(current);
      if (this.o.robots) {
        const rules = await this.o.robots.rulesFor(url);
        if (rules.blockedReason) {
          return { kind: 'skipped', reason: rules.blockedReason === 'private address' ? 'private_address' : 'robots_unreachable', url: current, detail: rules.blockedReason };
        }
        if (!rules.isAllowed(current)) return { kind: 'skipped', reason: 'robots', url: current };
        if (rules.crawlDelayMs !== undefined) this.o.gate.setDelay(url.host, rules.crawlDelayMs);
      }
      const headers = this.baseHeaders();
      // Validators belong to the URL they were stored for, so only the first hop sends them.
      if (hop === 0 && validators.etag) headers['if-none-match'] = validators.etag;
      if (hop === 0 && validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const release = await this.o.gate.acquire(url.host, signal);
      let next: string | null = null;
      try {
        const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.o.requestTimeoutMs)]);
        let res;
        try {
          res = await sendGet(this.o.agent, url, headers, deadline);
        } catch (err) {
          return this.networkFailure(current, err, signal);
        }
        const { status } = res;
        if (status >= 300 && status < 400 && status !== 304) {
          await discardBody(res.body);
          const location = res.headers.location;
          if (!location) return { kind: 'skipped', reason: 'http_status', url: current, status };
          next = canonicalUrl(location, url);
          if (!next) return { kind: 'skipped', reason: 'bad_url', url: current, status, detail: location };
        } else if (status === 304) {
          await discardBody(res.body);
          return { kind: 'not-modified', url: current, status, headers: res.headers };
        } else if (isRetryableStatus(status)) {
          await discardBody(res.body);
          const wait = parseRetryAfter(res.headers['retry-after']);
          // A host that says "slow down" is slowed down for every URL, not just this one.
          if (status === 429 || status === 503) this.o.gate.blockFor(url.host, Math.min(wait ?? this.o.retryBaseMs, this.o.maxRetryAfterMs));
          throw new RetryLater(status, wait, `HTTP ${status}`);
        } else if (status < 200 || status >= 300) {
          await discardBody(res.body);
          return { kind: 'skipped', reason: 'http_status', url: current, status };
        } else {
          const type = mediaType(res.headers['content-type']) || 'text/html';
          if (!this.o.contentTypes.includes(type)) {
            await discardBody(res.body, 0);
            return { kind: 'skipped', reason: 'content_type', url: current, status, detail: type };
          }
          const declared = Number(res.headers['content-length']);
          if (!this.o.truncateBody && Number.isFinite(declared) && declared > this.o.maxBodyBytes && !res.headers['content-encoding']) {
            await discardBody(res.body, 0);
            return { kind: 'skipped', reason: 'too_large', url: current, status, detail: `Content-Length ${declared}` };
          }
          try {
            const { bytes, truncated } = await readBodyCapped(current, res.body, res.headers['content-encoding'], this.o.maxBodyBytes, this.o.truncateBody);
            return { kind: 'page', url: current, status, headers: res.headers, contentType: type, body: bytes, truncated, attempts: 1 };
          } catch (err) {
            if (err instanceof BodyTooLargeError) return { kind: 'skipped', reason: 'too_large', url: current, status };
            if (errorCode(err) === 'KILN_CRAWL_ENCODING' || String((err as { code?: unknown }).code ?? '').startsWith('Z_')) {
              return { kind: 'skipped', reason: 'encoding', url: current, status, detail: (err as Error).message };
            }
            return this.networkFailure(current, err, signal);
          }
        }
      } finally {
        release();
      }
      if (visited.has(next)) return { kind: 'skipped', reason: 'redirect_loop', url: startUrl, detail: next };
      if (hop + 1 > this.o.maxRedirects) return { kind: 'skipped', reason: 'too_many_redirects', url: startUrl, detail: next };
      if (this.o.inScope && !this.o.inScope(new URL(next))) return { kind: 'skipped', reason: 'offsite_redirect', url: startUrl, detail: next };
      if (this.o.owns && !this.o.owns(new URL(next))) return { kind: 'skipped', reason: 'other_task', url: startUrl, detail: next };
      current = next;
    }
  }

  private networkFailure(url: string, err: unknown, signal: AbortSignal): FetchOutcome {
    if (signal.aborted) throw err;
    const code = errorCode(err);
    if (code === 'KILN_CRAWL_PRIVATE_ADDRESS') return { kind: 'skipped', reason: 'private_address', url, detail: (err as Error).message };
    // Our own whole-request deadline fires as an AbortError/TimeoutError: a slow server, worth a retry.
    const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
    if (timedOut || isRetryableError(err)) throw new RetryLater(undefined, undefined, `${code ?? (err as Error).name}: ${(err as Error).message}`);
    return { kind: 'skipped', reason: 'network', url, detail: `${code ?? ''} ${(err as Error)?.message}` };
  }
}
