// Hostile inputs the per-stage suites do not already cover: each must end in bounded time and
// memory with a skip or a clear outcome, never a crash or a hang.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { extractMainText } from '../../crawl/extract/index.js';
import { HostGate } from '../../crawl/live/host-gate.js';
import { createHttpAgent } from '../../crawl/live/http-client.js';
import { PageFetcher } from '../../crawl/live/page-fetcher.js';
import { parseSitemap } from '../../crawl/live/sitemap.js';
import { encoded, startFaultServer, type Handler } from '../crawl/live/fault-server.js';

const never = new AbortController().signal;

function fetcher(): { f: PageFetcher; close: () => Promise<void> } {
  const agent = createHttpAgent({ allowPrivate: true, connectionsPerOrigin: 2, connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
  const gate = new HostGate({ maxInFlight: 2, delayMs: 0 });
  const f = new PageFetcher({
    agent, gate, robots: null, userAgent: 'kilnbot/test', allowPrivate: true, contentTypes: ['text/html', 'text/plain'],
    maxBodyBytes: 1024 * 1024, truncateBody: true, requestTimeoutMs: 1500, maxRetries: 1, retryBaseMs: 10, retryMaxMs: 20, maxRetryAfterMs: 1000, maxRedirects: 5,
  });
  return { f, close: async () => { gate.close(); await agent.close(); } };
}

// Slowloris: headers at once, then one byte every 100 ms forever (under any per-chunk timeout).
const trickle: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  const timer = setInterval(() => res.write('a'), 100);
  res.on('close', () => clearInterval(timer));
};

test('a slowloris body is cut by the request deadline', async () => {
  const server = await startFaultServer({ '/trickle': trickle });
  const { f, close } = fetcher();
  const t0 = Date.now();
  const out = await f.fetch(`${server.origin}/trickle`, {}, never);
  const ms = Date.now() - t0;
  await close();
  await server.close();
  assert.ok(ms < 8000, `took ${ms} ms`);
  assert.ok(out.kind === 'skipped' || (out.kind === 'page' && out.body.length < 100), `outcome ${out.kind}`);
});

test('a brotli bomb is decoded only up to the body cap', async () => {
  const bomb = zlib.brotliCompressSync(Buffer.alloc(300 * 1024 * 1024, 0x61), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
  const server = await startFaultServer({ '/br-bomb': encoded(bomb, 'br') });
  const { f, close } = fetcher();
  const before = process.memoryUsage().rss;
  const out = await f.fetch(`${server.origin}/br-bomb`, {}, never);
  const grew = (process.memoryUsage().rss - before) / 1e6;
  await close();
  await server.close();
  if (out.kind === 'page') assert.ok(out.body.length <= 1024 * 1024 && out.truncated);
  else assert.equal(out.kind, 'skipped');
  assert.ok(grew < 150, `memory grew ${grew.toFixed(0)} MB`);
});

test('a sitemap bomb (gzip of 500 MB of URLs) is read only up to its caps', () => {
  const entry = '<url><loc>http://h.test/page</loc></url>';
  const body = Buffer.from(`<?xml version="1.0"?><urlset>${entry.repeat(Math.floor((500 * 1024 * 1024) / entry.length / 50))}`);
  // 10 MB of XML repeated 50x inside one gzip stream: ~500 MB once decompressed.
  const gz = zlib.gzipSync(Buffer.concat(Array(50).fill(body)), { level: 1 });
  const t0 = Date.now();
  const parsed = parseSitemap(gz, 'http://h.test/sitemap.xml.gz', 50_000, 10 * 1024 * 1024);
  assert.ok(parsed.urls.length <= 50_000);
  assert.ok(Date.now() - t0 < 20_000);
});

test('100 MB of single-line HTML is extracted in bounded time and memory', () => {
  const para = '<p>' + 'word '.repeat(200) + '</p>';
  const html = '<html><body><div>' + para.repeat(Math.ceil(100e6 / para.length)) + '</div></body></html>';
  const before = process.memoryUsage().rss;
  const t0 = Date.now();
  const r = extractMainText(html);
  assert.ok(Date.now() - t0 < 60_000);
  assert.ok(r.text.length > 0);
  assert.ok((process.memoryUsage().rss - before) / 1e6 < 1000);
});
