import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { HostGate } from '../../../crawl/live/host-gate.js';
import { createHttpAgent } from '../../../crawl/live/http-client.js';
import { PageFetcher, type PageFetcherOptions } from '../../../crawl/live/page-fetcher.js';
import { RobotsCache } from '../../../crawl/live/robots.js';
import { encoded, failFirst, gzipBombBytes, htmlPage, hugeBody, redirect, reset, respond, slow, startFaultServer, type FaultServer } from './fault-server.js';

const never = new AbortController().signal;

function makeFetcher(over: Partial<PageFetcherOptions> = {}): { fetcher: PageFetcher; close: () => Promise<void> } {
  const agent = createHttpAgent({ allowPrivate: true, connectionsPerOrigin: 4, connectTimeoutMs: 2000, headersTimeoutMs: 300, bodyTimeoutMs: 300 });
  const gate = new HostGate({ maxInFlight: 4, delayMs: 0 });
  const fetcher = new PageFetcher({
    agent, gate, robots: null, userAgent: 'kilnbot/test', allowPrivate: true,
    contentTypes: ['text/html', 'text/plain'], maxBodyBytes: 1024 * 1024, truncateBody: true,
    requestTimeoutMs: 2000, maxRetries: 3, retryBaseMs: 10, retryMaxMs: 50, maxRetryAfterMs: 5000, maxRedirects: 5,
    ...over,
  });
  return { fetcher, close: async () => { gate.close(); await agent.close(); } };
}

describe('page fetcher against a faulty server', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({
      '/ok': htmlPage('OK', ['hello world']),
      '/slow': slow(1500, htmlPage('Slow', ['late'])),
      '/flaky-500': failFirst(2, respond(500, 'boom'), htmlPage('Flaky', ['finally'])),
      '/always-500': respond(500, 'boom'),
      '/429': failFirst(1, respond(429, 'slow down', { 'retry-after': '1' }), htmlPage('Rate', ['limited'])),
      '/429-long': respond(429, 'go away', { 'retry-after': '3600' }),
      '/reset': failFirst(1, reset, htmlPage('Reset', ['recovered'])),
      '/loop-a': redirect('/loop-b'),
      '/loop-b': redirect('/loop-a'),
      '/chain-0': redirect('/chain-1'), '/chain-1': redirect('/chain-2'), '/chain-2': redirect('/chain-3'),
      '/chain-3': redirect('/chain-4'), '/chain-4': redirect('/chain-5'), '/chain-5': redirect('/chain-6'), '/chain-6': htmlPage('End', ['end']),
      '/short-chain': redirect('/chain-4'),
      '/big': hugeBody(50 * 1024 * 1024),
      '/bomb': encoded(gzipBombBytes(200), 'gzip'),
      '/br': encoded(zlib.brotliCompressSync(Buffer.from('<p>brotli body</p>')), 'br'),
      '/deflate': encoded(zlib.deflateSync(Buffer.from('<p>deflate body</p>')), 'deflate'),
      '/corrupt-gzip': encoded(Buffer.from('this is not gzip at all'), 'gzip'),
      '/weird-encoding': encoded(Buffer.from('x'), 'zstd-ish'),
      '/image': respond(200, Buffer.alloc(100), { 'content-type': 'image/png' }),
      '/404': respond(404, 'nope'),
    });
  });
  after(() => server.close());

  test('a plain page', async () => {
    const { fetcher, close } = makeFetcher();
    const out = await fetcher.fetch(`${server.origin}/ok`, {}, never);
    await close();
    assert.equal(out.kind, 'page');
    assert.ok(out.kind === 'page' && Buffer.from(out.body).toString().includes('hello world'));
  });

  test('slow responses time out and are retried, then given up', async () => {
    const { fetcher, close } = makeFetcher({ maxRetries: 1 });
    const before = server.hits.get('/slow') ?? 0;
    const t0 = Date.now();
    const out = await fetcher.fetch(`${server.origin}/slow`, {}, never);
    await close();
    assert.equal(out.kind, 'skipped');
    assert.equal(out.kind === 'skipped' && out.reason, 'retries_exhausted');
    assert.equal((server.hits.get('/slow') ?? 0) - before, 2);
    // Two tries that each waited out the 1.5 s response would take 3 s; the headers timeout cuts both short.
    assert.ok(Date.now() - t0 < 2900, `took ${Date.now() - t0} ms`);
  });

  test('500s are retried with backoff until one succeeds', async () => {
    const { fetcher, close } = makeFetcher();
    const out = await fetcher.fetch(`${server.origin}/flaky-500`, {}, never);
    await close();
    assert.equal(out.kind, 'page');
    assert.equal(out.kind === 'page' && out.attempts, 3);
    assert.equal(server.hits.get('/flaky-500'), 3);
  });

  test('persistent 500s give up after maxRetries', async () => {
    const { fetcher, close } = makeFetcher({ maxRetries: 2 });
    const out = await fetcher.fetch(`${server.origin}/always-500`, {}, never);
    await close();
    assert.equal(out.kind === 'skipped' && out.reason, 'retries_exhausted');
    assert.equal(server.hits.get('/always-500'), 3);
  });

  test('429 with Retry-After waits at least that long', async () => {
    const { fetcher, close } = makeFetcher();
    const t0 = Date.now();
    const out = await fetcher.fetch(`${server.origin}/429`, {}, never);
    await close();
    assert.equal(out.kind, 'page');
    const hits = server.log.filter((l) => l.path === '/429');
    assert.equal(hits.length, 2);
    assert.ok(hits[1].at - hits[0].at >= 950, `second try ${hits[1].at - hits[0].at} ms after the first`);
    assert.ok(Date.now() - t0 >= 950);
  });

  test('a Retry-After beyond the limit gives the URL up at once', async () => {
    const { fetcher, close } = makeFetcher();
    const t0 = Date.now();
    const out = await fetcher.fetch(`${server.origin}/429-long`, {}, never);
    await close();
    assert.equal(out.kind === 'skipped' && out.reason, 'retry_after_too_long');
    assert.ok(Date.now() - t0 < 1000);
  });

  test('connection resets are retried', async () => {
    const { fetcher, close } = makeFetcher();
    const out = await fetcher.fetch(`${server.origin}/reset`, {}, never);
    await close();
    assert.equal(out.kind, 'page');
    assert.equal(server.hits.get('/reset'), 2);
  });

  test('redirect loops are detected', async () => {
    const { fetcher, close } = makeFetcher();
    const out = await fetcher.fetch(`${server.origin}/loop-a`, {}, never);
    await close();
    assert.equal(out.kind === 'skipped' && out.reason, 'redirect_loop');
    assert.equal(server.hits.get('/loop-a'), 1);
    assert.equal(server.hits.get('/loop-b'), 1);
  });

  test('more than 5 redirects are refused; 5 or fewer are followed', async () => {
    const { fetcher, close } = makeFetcher();
    const long = await fetcher.fetch(`${server.origin}/chain-0`, {}, never);
    const short = await fetcher.fetch(`${server.origin}/short-chain`, {}, never);
    await close();
    assert.equal(long.kind === 'skipped' && long.reason, 'too_many_redirects');
    assert.equal(short.kind, 'page');
    assert.equal(short.kind === 'page' && short.url, `${server.origin}/chain-6`);
  });

  test('a 50 MB body is truncated at the cap without buffering it', async () => {
    const { fetcher, close } = makeFetcher({ maxBodyBytes: 1024 * 1024 });
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const out = await fetcher.fetch(`${server.origin}/big`, {}, never);
    const grew = process.memoryUsage().rss - rss0;
    await close();
    assert.equal(out.kind, 'page');
    assert.ok(out.kind === 'page' && out.truncated);
    assert.equal(out.kind === 'page' && out.body.byteLength, 1024 * 1024);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok((server.bytesSent.get('/big') ?? 0) < 20 * 1024 * 1024, `server wrote ${server.bytesSent.get('/big')} bytes before the client hung up`);
    assert.ok(grew < 40 * 1024 * 1024, `rss grew ${grew} bytes`);
  });

  test('a 50 MB body is skipped in skip mode', async () => {
    const { fetcher, close } = makeFetcher({ maxBodyBytes: 1024 * 1024, truncateBody: false });
    const out = await fetcher.fetch(`${server.origin}/big`, {}, never);
    await close();
    assert.equal(out.kind === 'skipped' && out.reason, 'too_large');
  });

  test('a gzip bomb stops at the decoded cap', async () => {
    const { fetcher, close } = makeFetcher({ maxBodyBytes: 2 * 1024 * 1024 });
    const rss0 = process.memoryUsage().rss;
    const out = await fetcher.fetch(`${server.origin}/bomb`, {}, never);
    const grew = process.memoryUsage().rss - rss0;
    const skipMode = makeFetcher({ maxBodyBytes: 2 * 1024 * 1024, truncateBody: false });
    const skipped = await skipMode.fetcher.fetch(`${server.origin}/bomb`, {}, never);
    await close();
    await skipMode.close();
    assert.equal(out.kind, 'page');
    assert.ok(out.kind === 'page' && out.truncated && out.body.byteLength === 2 * 1024 * 1024);
    assert.equal(skipped.kind === 'skipped' && skipped.reason, 'too_large');
    assert.ok(grew < 60 * 1024 * 1024, `rss grew ${grew} bytes for a 200 MB bomb`);
  });

  test('brotli and deflate bodies are decoded; corrupt and unknown encodings are skipped', async () => {
    const { fetcher, close } = makeFetcher();
    const br = await fetcher.fetch(`${server.origin}/br`, {}, never);
    const df = await fetcher.fetch(`${server.origin}/deflate`, {}, never);
    const bad = await fetcher.fetch(`${server.origin}/corrupt-gzip`, {}, never);
    const unknown = await fetcher.fetch(`${server.origin}/weird-encoding`, {}, never);
    await close();
    assert.equal(br.kind === 'page' && Buffer.from(br.body).toString(), '<p>brotli body</p>');
    assert.equal(df.kind === 'page' && Buffer.from(df.body).toString(), '<p>deflate body</p>');
    assert.equal(bad.kind === 'skipped' && bad.reason, 'encoding');
    assert.equal(unknown.kind === 'skipped' && unknown.reason, 'encoding');
  });

  test('content types outside the allow-list and 4xx pages are skipped', async () => {
    const { fetcher, close } = makeFetcher();
    const img = await fetcher.fetch(`${server.origin}/image`, {}, never);
    const missing = await fetcher.fetch(`${server.origin}/404`, {}, never);
    await close();
    assert.equal(img.kind === 'skipped' && img.reason, 'content_type');
    assert.equal(missing.kind === 'skipped' && missing.reason, 'http_status');
    assert.equal(server.hits.get('/404'), 1, '4xx is not retried');
  });

  test('robots rules are checked on every redirect hop', async () => {
    server.route('/robots.txt', respond(200, 'User-agent: *\nDisallow: /chain-3\n', { 'content-type': 'text/plain' }));
    let fetcherRef: PageFetcher | undefined;
    const robots = new RobotsCache({ userAgent: 'kilnbot/test', load: (o) => fetcherRef!.loadRobots(o, never) });
    const { fetcher, close } = makeFetcher({ robots });
    fetcherRef = fetcher;
    const before = server.hits.get('/chain-3') ?? 0;
    const out = await fetcher.fetch(`${server.origin}/chain-1`, {}, never);
    await close();
    assert.equal(out.kind === 'skipped' && out.reason, 'robots');
    assert.equal(server.hits.get('/chain-3') ?? 0, before, 'the disallowed hop was never requested');
  });
});
