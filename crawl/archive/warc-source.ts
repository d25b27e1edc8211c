/**
 * Byte streams of a WARC file from a local path or an HTTP(S) URL, starting at any offset
 * (resume). URLs are streamed with undici; a dropped connection is resumed with a Range
 * request from the last byte received, a few times, before giving up.
 */
import { createReadStream } from 'node:fs';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { WarcSourceError } from './errors.js';
import { isS3Url } from '../../core/storage/s3-location.js';
import { s3WarcBytes } from './s3-warc.js';

// Large reads amortise per-chunk overhead in the parser; 1 MiB keeps memory small.
const READ_CHUNK = 1024 * 1024;
const HTTP_ATTEMPTS = 4;

let dispatcher: Dispatcher | undefined;
/** One keep-alive pool for all WARC downloads of this process, following redirects. */
export function warcDispatcher(): Dispatcher {
  dispatcher ??= new Agent({ keepAliveTimeout: 30_000 }).compose(interceptors.redirect({ maxRedirections: 5 }));
  return dispatcher;
}

/** True for http:// and https:// locations. */
export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Streams a local file, an HTTP(S) URL or an s3:// object (s3-warc.ts) from byte `start`. */
export function openWarcSource(location: string, start = 0, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  if (isS3Url(location)) return s3WarcBytes(location, start, signal);
  return isUrl(location) ? httpBytes(location, start, signal) : fileBytes(location, start);
}

async function* fileBytes(file: string, start: number): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(file, { start, highWaterMark: READ_CHUNK });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw new WarcSourceError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  } finally {
    stream.destroy();
  }
}

async function* httpBytes(url: string, start: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let pos = start;
  let lastError: unknown;
  for (let attempt = 0; attempt < HTTP_ATTEMPTS; attempt++) {
    let res;
    try {
      res = await request(url, {
        method: 'GET',
        headers: pos > 0 ? { range: `bytes=${pos}-` } : {},
        signal,
        dispatcher: warcDispatcher(),
      });
    } catch (e) {
      lastError = e;
      if (signal?.aborted) throw e;
      await sleep(250 * 2 ** attempt);
      continue;
    }
    if (res.statusCode === 416 && pos > 0) {
      await res.body.dump();
      return; // nothing past pos: the file ended exactly there
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      await res.body.dump();
      if (res.statusCode >= 500 || res.statusCode === 429) {
        lastError = new Error(`HTTP ${res.statusCode}`);
        await sleep(250 * 2 ** attempt);
        continue;
      }
      throw new WarcSourceError(url, `HTTP ${res.statusCode}`);
    }
    // A server that ignores Range sends the whole file: skip to where we are.
    let skip = res.statusCode === 200 ? pos : 0;
    try {
      for await (const chunk of res.body) {
        let c = chunk as Buffer;
        if (skip > 0) {
          if (c.length <= skip) {
            skip -= c.length;
            continue;
          }
          c = c.subarray(skip);
          skip = 0;
        }
        pos += c.length;
        yield c;
      }
      return;
    } catch (e) {
      lastError = e;
      if (signal?.aborted) throw e;
      await sleep(250 * 2 ** attempt);
    }
  }
  throw new WarcSourceError(url, `download failed after ${HTTP_ATTEMPTS} attempts at byte ${pos}: ${(lastError as Error)?.message ?? lastError}`, { cause: lastError });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
