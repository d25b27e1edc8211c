// Shards over HTTP(S): undici range requests on a keep-alive pool, with retries and backoff for
// network errors, 429 and 5xx, so a trainer needs no shared filesystem (DESIGN.md, "Scale").
import { Agent, request } from 'undici';
import { CorruptPartError, IoError } from '../../core/errors.js';
import type { ByteSource } from './byte-source.js';

export interface HttpOptions {
  retries: number;
  /** First backoff delay; doubles per attempt. */
  backoffMs: number;
  dispatcher: Agent;
}

/** A keep-alive connection pool for one loader. */
export function createHttpAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: 8, pipelining: 1 });
}

function retriable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** GETs `url` (optionally a byte range) with retries; returns status and body bytes. */
export async function httpGet(url: string, opts: HttpOptions, range?: { offset: number; length: number }): Promise<{ status: number; body: Uint8Array; headers: Record<string, string | string[] | undefined> }> {
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
      const body = new Uint8Array(await res.body.arrayBuffer());
      return { status: res.statusCode, body, headers: res.headers };
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError instanceof IoError) throw lastError;
  throw new IoError(`GET ${url} failed after ${opts.retries + 1} attempts: ${(lastError as Error)?.message}`, { path: url }, { cause: lastError });
}

/** Range reads of one shard URL. */
export class HttpSource implements ByteSource {
  constructor(
    readonly location: string,
    private readonly opts: HttpOptions,
  ) {}

  async size(): Promise<number> {
    const { status, headers } = await httpGet(this.location, this.opts, { offset: 0, length: 1 });
    const range = String(headers['content-range'] ?? '');
    const m = /\/(\d+)$/.exec(range);
    if (status === 206 && m) return Number(m[1]);
    if (status === 404) throw new CorruptPartError(`shard is missing: ${this.location} (HTTP 404)`, { path: this.location });
    throw new IoError(`GET ${this.location}: cannot learn its size (HTTP ${status}, Content-Range "${range}")`, { path: this.location });
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const { status, body } = await httpGet(this.location, this.opts, { offset, length });
    if (status === 404) throw new CorruptPartError(`shard is missing: ${this.location} (HTTP 404)`, { path: this.location });
    if (status !== 206 && status !== 200) throw new IoError(`GET ${this.location} bytes ${offset}-${offset + length - 1}: HTTP ${status}`, { path: this.location });
    // A server that ignores Range sends the whole file: take the slice we asked for.
    const bytes = status === 200 ? body.subarray(offset, offset + length) : body;
    if (bytes.length < length) {
      throw new CorruptPartError(`shard ${this.location} is truncated: wanted bytes ${offset}-${offset + length}, got ${bytes.length}`, { path: this.location });
    }
    // The body is a fresh ArrayBuffer; copy only when it is larger than the slice (status 200).
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  }

  async close(): Promise<void> {
    /* the agent is shared and closed by the loader */
  }
}
