// One undici Agent per crawl: keep-alive pools per origin (a connection is reused for the next
// page of the same host instead of a new TCP+TLS handshake), a connector that enforces the
// private-address guard at connect time, and every response body read through a byte cap.
import net from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { KilnError } from '../../core/errors.js';
import { guardedLookup, isBlockedAddress, PrivateAddressError } from './address-guard.js';

/** A response body (raw or decoded) grew past the configured cap. */
export class BodyTooLargeError extends KilnError {
  constructor(url: string, limit: number) {
    super('KILN_CRAWL_BODY_TOO_LARGE', `${url}: body exceeds ${limit} bytes`, { key: url });
  }
}

/** A Content-Encoding kiln does not decode. */
export class UnsupportedEncodingError extends KilnError {
  constructor(url: string, encoding: string) {
    super('KILN_CRAWL_ENCODING', `${url}: unsupported Content-Encoding "${encoding}"`, { key: url });
  }
}

export interface HttpClientOptions {
  /** Refuse non-public addresses unless true. */
  allowPrivate: boolean;
  /** Keep-alive connections per origin; the host gate keeps in-flight requests at or below it. */
  connectionsPerOrigin: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  bodyTimeoutMs: number;
  /** Replaces the guarded DNS lookup (tests use it to play a rebinding DNS server). */
  lookup?: typeof guardedLookup;
}

/** Builds the crawl's undici Agent, with the address guard inside its connector. */
export function createHttpAgent(o: HttpClientOptions): Agent {
  const base = buildConnector({
    timeout: o.connectTimeoutMs,
    keepAlive: true,
    ...(o.allowPrivate ? {} : { lookup: o.lookup ?? guardedLookup }),
  } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (opts, callback) => {
    if (o.allowPrivate) return base(opts, callback);
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    // net.connect never calls `lookup` for an IP literal, so literals are judged here.
    if (net.isIP(host) && isBlockedAddress(host)) return callback(new PrivateAddressError(host, host), null);
    base(opts, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('connect failed'), null);
      // Last line against rebinding: judge the address the socket is really connected to.
      const remote = socket.remoteAddress;
      if (remote && isBlockedAddress(remote)) {
        socket.destroy();
        return callback(new PrivateAddressError(host, remote), null);
      }
      callback(null, socket);
    });
  };
  return new Agent({
    connect,
    connections: o.connectionsPerOrigin,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

/** Sends one GET (no redirects followed: the fetcher re-checks robots and addresses per hop). */
export async function sendGet(agent: Dispatcher, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<RawResponse> {
  const res = await agent.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers,
    signal,
  });
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { status: res.statusCode, headers: flat, body: res.body };
}

/** Throws away a body we will not use, reading at most `limit` bytes so the socket can be reused. */
export async function discardBody(body: RawResponse['body'], limit = 64 * 1024): Promise<void> {
  try {
    await body.dump({ limit });
  } catch {
    // A broken body on a response we ignore anyway is not an error of the crawl.
  }
}

function decoderFor(url: string, encoding: string): zlib.Gunzip | zlib.BrotliDecompress | zlib.Inflate | null {
  switch (encoding) {
    case '': case 'identity': return null;
    case 'gzip': case 'x-gzip': return zlib.createGunzip();
    case 'br': return zlib.createBrotliDecompress();
    case 'deflate': return zlib.createInflate(); // zlib-wrapped, as RFC 9110 says
    default: throw new UnsupportedEncodingError(url, encoding);
  }
}

export interface ReadBodyResult {
  bytes: Uint8Array;
  /** True when the body was cut at `maxBytes` (only in truncate mode). */
  truncated: boolean;
}

/**
 * Reads a body, decoding its Content-Encoding, keeping at most `maxBytes` decoded bytes and
 * reading at most `maxBytes` raw bytes. Memory bound: maxBytes plus one chunk, whatever the
 * server sends (a 50 MB page or a 10 GB gzip bomb alike). Past the cap it truncates or throws.
 */
export async function readBodyCapped(url: string, body: RawResponse['body'], contentEncoding: string | undefined, maxBytes: number, truncate: boolean): Promise<ReadBodyResult> {
  const encodings = (contentEncoding ?? '').toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'identity');
  let decoders: Array<NonNullable<ReturnType<typeof decoderFor>>>;
  try {
    // Encodings are listed in the order applied, so they are undone in reverse.
    decoders = encodings.reverse().map((e) => decoderFor(url, e)).filter((d): d is NonNullable<typeof d> => d !== null);
  } catch (err) {
    await discardBody(body, 0);
    throw err;
  }
  let raw = 0;
  let rawOver = false;
  const source = body as unknown as Readable;
  source.on('data', (chunk: Buffer) => {
    raw += chunk.length;
    if (raw > maxBytes) rawOver = true;
  });
  const stream: Readable = decoders.length === 0 ? source : (pipeline([source, ...decoders] as unknown as [Readable, ...NodeJS.ReadWriteStream[]], () => {}) as unknown as Readable);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const c of stream) {
      const chunk = c as Buffer;
      if (size + chunk.length > maxBytes || rawOver) {
        if (!truncate) throw new BodyTooLargeError(url, maxBytes);
        const keep = Math.max(0, maxBytes - size);
        if (keep > 0) chunks.push(chunk.subarray(0, keep));
        size += keep;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    // Stops the download (and any decoder) at once: breaking out of the loop must not leave
    // the server streaming the rest of a huge body into our socket buffers.
    if (truncated || !source.readableEnded) source.destroy();
    for (const d of decoders) d.destroy();
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}
