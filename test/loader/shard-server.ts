// A minimal static file server with Range support (or, on request, without), for loading shards
// over HTTP in tests.
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ShardServer {
  url: string;
  requests: number;
  rangeRequests: number;
  /** Requests per path (e.g. "/index.json"). */
  requestsByPath: Map<string, number>;
  /** Fail the next `n` requests with HTTP 503 (to exercise retries). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Answer every GET with the whole file (HTTP 200), as servers without Range support do. */
  ignoreRange?: boolean;
}

/** Serves `dir` on 127.0.0.1 (port 0). */
export async function serveDir(dir: string, options: ServeOptions = {}): Promise<ShardServer> {
  let failures = 0;
  const state = { requests: 0, rangeRequests: 0 };
  const requestsByPath = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    state.requests++;
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requestsByPath.set(pathname, (requestsByPath.get(pathname) ?? 0) + 1);
    if (failures > 0) {
      failures--;
      res.writeHead(503).end();
      return;
    }
    const file = path.join(dir, decodeURIComponent(pathname));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    const st = await fs.stat(file).catch(() => undefined);
    if (!st?.isFile()) return void res.writeHead(404).end();
    const m = options.ignoreRange ? null : /^bytes=(\d+)-(\d+)?$/.exec(req.headers.range ?? '');
    if (m) {
      state.rangeRequests++;
      const start = Number(m[1]);
      const end = Math.min(m[2] ? Number(m[2]) : st.size - 1, st.size - 1);
      if (start >= st.size) return void res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end();
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${st.size}`, 'content-length': end - start + 1 });
      createReadStream(file, { start, end }).pipe(res);
    } else {
      res.writeHead(200, { 'content-length': st.size });
      createReadStream(file).pipe(res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get rangeRequests() {
      return state.rangeRequests;
    },
    requestsByPath,
    failNext: (n) => void (failures = n),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
