// A real HTTP server on 127.0.0.1 (port 0) whose routes misbehave on purpose: slow answers,
// 429 + Retry-After, 500s, connection resets, redirect loops, endless or huge bodies, gzip
// bombs, bad charsets, odd robots.txt. Reusable by any test or bench that needs a hostile web.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** What a handler learns about the request. */
export interface HitInfo {
  /** 1 for the first request to this path, 2 for the second, ... */
  hit: number;
  path: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, info: HitInfo) => void | Promise<void>;

/** A running fault server. */
export interface FaultServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Requests per path (path + query). */
  hits: Map<string, number>;
  /** Every request in arrival order, with time (ms since start) and headers. */
  log: Array<{ path: string; at: number; headers: http.IncomingHttpHeaders }>;
  /** Bytes of body written per path (for "did the client stop reading?" checks). */
  bytesSent: Map<string, number>;
  /** Replaces or adds a route while running. */
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server; `fallback` answers unknown paths (default 404). */
export async function startFaultServer(routes: Record<string, Handler>, fallback?: Handler): Promise<FaultServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const log: FaultServer['log'] = [];
  const bytesSent = new Map<string, number>();
  const started = Date.now();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    log.push({ path, at: Date.now() - started, headers: req.headers });
    const write = res.write.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
      bytesSent.set(path, (bytesSent.get(path) ?? 0) + n);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    const handler = table.get(path) ?? table.get(path.split('?')[0]) ?? fallback ?? notFound;
    Promise.resolve(handler(req, res, { hit, path })).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5000;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    log,
    bytesSent,
    route: (p, h) => table.set(p, h),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** 404 with a short body. */
export const notFound: Handler = (_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
};

/** A fixed answer. */
export function respond(status: number, body: string | Uint8Array, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
}

/** An HTML page with a title, paragraphs and links. */
export function htmlPage(title: string, paragraphs: string[], links: string[] = [], headers: Record<string, string> = {}): Handler {
  const body = `<!doctype html><html><head><title>${title}</title></head><body><nav><a href="/">home</a></nav><article><h1>${title}</h1>${paragraphs
    .map((p) => `<p>${p}</p>`)
    .join('')}</article><ul>${links.map((l) => `<li><a href="${l}">${l}</a></li>`).join('')}</ul></body></html>`;
  return respond(200, body, headers);
}

/** robots.txt with the given text (or bytes). */
export function robotsTxt(body: string | Uint8Array, status = 200): Handler {
  return respond(status, body, { 'content-type': 'text/plain' });
}

/** Waits `ms` before handing over to `then`. */
export function slow(ms: number, then: Handler): Handler {
  return async (req, res, info) => {
    await new Promise((r) => setTimeout(r, ms));
    if (!res.destroyed) await then(req, res, info);
  };
}

/** Answers with `fail` for the first `times` hits, then with `ok`. */
export function failFirst(times: number, fail: Handler, ok: Handler): Handler {
  return (req, res, info) => (info.hit <= times ? fail(req, res, info) : ok(req, res, info));
}

/** Closes the connection without an answer (ECONNRESET on the client). */
export const reset: Handler = (req) => {
  req.socket.resetAndDestroy();
};

/** A redirect to `to`. */
export function redirect(to: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location: to, 'content-type': 'text/html' });
    res.end(`<a href="${to}">moved</a>`);
  };
}

/**
 * A body of `bytes` bytes of HTML-ish text, generated chunk by chunk with backpressure, so the
 * server never holds it in memory and stops as soon as the client goes away.
 */
export function hugeBody(bytes: number, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(bytes), ...headers });
    const chunk = Buffer.alloc(64 * 1024, '<p>filler text</p>\n');
    let left = bytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => { left = 0; });
    pump();
  };
}

/**
 * A gzip bomb: `megabytes` MiB of spaces, about 1 KiB per MiB on the wire. Built as repeated
 * gzip members (valid gzip, decoded back to back), so the server never allocates the payload.
 */
export function gzipBombBytes(megabytes: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
  return Buffer.concat(Array.from({ length: megabytes }, () => member));
}

/** Serves pre-encoded bytes with a Content-Encoding. */
export function encoded(body: Buffer, encoding: string, contentType = 'text/html'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-encoding': encoding, 'content-length': String(body.length) });
    res.end(body);
  };
}

/** Honours If-None-Match / If-Modified-Since against the current `state` (304 when unchanged). */
export function conditional(state: { etag: string; lastModified: string; html: string }): Handler {
  return (req, res) => {
    if (req.headers['if-none-match'] === state.etag || (!req.headers['if-none-match'] && req.headers['if-modified-since'] === state.lastModified)) {
      res.writeHead(304, { etag: state.etag, 'last-modified': state.lastModified });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: state.etag, 'last-modified': state.lastModified });
    res.end(state.html);
  };
}
