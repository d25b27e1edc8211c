// Shards over HTTP(S): undici range requests on a keep-alive pool, with retries and backoff for
// network errors, 429 and 5xx, so a trainer needs no shared filesystem (DESIGN.md, "Scale").
// A server that ignores Range (HTTP 200 with the whole file) is read once per shard through a
// spooled temp file instead (spooled-file.ts): memory stays bounded however large the shard.
import { Agent, type Dispatcher, request } from 'undici';
import { CorruptPartError, IoError, KilnError } from '../../core/errors.js';
import type { ByteSource } from './byte-source.js';
import type { LocalFileSource } from './local-file-source.js';
import { spoolToTempFile } from './spooled-file.js';

export interface HttpOptions {
  retries: number;
  /** First backoff delay; doubles per attempt. */
  backoffMs: number;
  dispatcher: Agent;
}

interface ByteRange {
  offset: number;
  length: number;
}

/** A keep-alive connection pool for one loader. */
export function createHttpAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: 8, pipelining: 1 });
}

function retriable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * GETs `url` (optionally a byte range) and hands the response to `consume`, retrying network
 * errors (also those while `consume` reads the body), 429 and 5xx; a KilnError from `consume` is
 * final.
 */
export async function httpRequest<T>(url: string, opts: HttpOptions, range: ByteRange | undefined, consume: (res: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, opts.backoffMs * 2 ** (attempt - 1)));
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: opts.dispatcher,
        headers: range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {},
      });
      if (retriable(res.statusCode)) {
        await res.body.dump();
        lastError = new IoError(`GET ${url}: HTTP ${res.statusCode}`, { path: url });
        continue;
      }
      return await consume(res);
    } catch (err) {
      if (err instanceof KilnError) throw err;
      lastError = err;
    }
  }
  if (lastError instanceof IoError) throw lastError;
  throw new IoError(`GET ${url} failed after ${opts.retries + 1} attempts: ${(lastError as Error)?.message}`, { path: url }, { cause: lastError });
}

/** GETs `url` (optionally a byte range) with retries; returns status and body bytes. */
export async function httpGet(url: string, opts: HttpOptions, range?: ByteRange): Promise<{ status: number; body: Uint8Array; headers: Record<string, string | string[] | undefined> }> {
  return httpRequest(url, opts, range, async (res) => ({ status: res.statusCode, body: new Uint8Array(await res.body.arrayBuffer()), headers: res.headers }));
}

/** Range reads of one shard URL; whole-file reads, once, where the server ignores Range. */
export class HttpSource implements ByteSource {
  /** Set once the server answered a range request with the whole file (HTTP 200). */
  private whole: Promise<LocalFileSource> | undefined;

  constructor(
    readonly location: string,
    private readonly opts: HttpOptions,
  ) {}

  private missing(): CorruptPartError {
    return new CorruptPartError(`shard is missing: ${this.location} (HTTP 404)`, { path: this.location });
  }

  /**
   * One range request. A 200 answer is the whole file: it is streamed into the spool (the first
   * such answer only; a concurrent one is discarded) and the read goes there.
   */
  private async ranged(range: ByteRange): Promise<{ status: number; body: Uint8Array; contentRange: string } | { spooled: LocalFileSource }> {
    if (this.whole) return { spooled: await this.whole };
    return httpRequest(this.location, this.opts, range, async (res) => {
      if (res.statusCode !== 200) return { status: res.statusCode, body: new Uint8Array(await res.body.arrayBuffer()), contentRange: String(res.headers['content-range'] ?? '') };
      if (this.whole) {
        await res.body.dump();
      } else {
        const spool = spoolToTempFile(this.location, res.body);
        this.whole = spool;
        // A failed download (retried by httpRequest) must not stay the shard's spool.
        spool.catch(() => {
          if (this.whole === spool) this.whole = undefined;
        });
      }
      return { spooled: await this.whole! };
    });
  }

  async size(): Promise<number> {
    const r = await this.ranged({ offset: 0, length: 1 });
    if ('spooled' in r) return r.spooled.size();
    const m = /\/(\d+)$/.exec(r.contentRange);
    if (r.status === 206 && m) return Number(m[1]);
    if (r.status === 404) throw this.missing();
    throw new IoError(`GET ${this.location}: cannot learn its size (HTTP ${r.status}, Content-Range "${r.contentRange}")`, { path: this.location });
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const r = await this.ranged({ offset, length });
    if ('spooled' in r) return r.spooled.read(offset, length, into);
    if (r.status === 404) throw this.missing();
    if (r.status !== 206) throw new IoError(`GET ${this.location} bytes ${offset}-${offset + length - 1}: HTTP ${r.status}`, { path: this.location });
    if (r.body.length < length) {
      throw new CorruptPartError(`shard ${this.location} is truncated: wanted bytes ${offset}-${offset + length}, got ${r.body.length}`, { path: this.location });
    }
    const bytes = r.body.subarray(0, length);
    if (!into) return bytes;
    into.set(bytes);
    return into.subarray(0, length);
  }

  async close(): Promise<void> {
    // The agent is shared and closed by the loader; the spool is this source's own.
    const whole = this.whole;
    this.whole = undefined;
    await (await whole?.catch(() => undefined))?.close();
  }
}
