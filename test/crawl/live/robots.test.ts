import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readDocuments } from '../../../core/input-files.js';
import { runStage } from '../../../core/run-stage.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { parseRobots, RobotsCache } from '../../../crawl/live/robots.js';
import { htmlPage, respond, robotsTxt, slow, startFaultServer, type Handler } from './fault-server.js';

process.env.KILN_LOG = 'silent';

let tmp: string;
before(async () => { tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-robots-')); });
after(() => fs.rm(tmp, { recursive: true, force: true }));

const prose = (name: string): string[] => [`The ${name} page of this small test site has a few sentences of real text in it.`, `It exists so that the crawler has something to store for the ${name} page.`];
const pages: Record<string, Handler> = {
  '/': htmlPage('Home', prose('home'), ['/one', '/two', '/blocked/three']),
  '/one': htmlPage('One', prose('first')),
  '/two': htmlPage('Two', prose('second')),
  '/blocked/three': htmlPage('Three', prose('third')),
};

/** Crawls a fresh server whose /robots.txt is `robots`; returns fetched page paths, request log and stats. */
async function crawlWith(robots: Handler, extra: Record<string, unknown> = {}) {
  const server = await startFaultServer({ ...pages, '/robots.txt': robots });
  try {
    const out = await fs.mkdtemp(path.join(tmp, 'c-'));
    const summary = await runStage(liveCrawlStage, { out, config: { urls: [`${server.origin}/`], allowPrivate: true, perHostDelayMs: 0, discoverSitemaps: false, extractor: 'plain', filter: false, ...extra } });
    const docs: string[] = [];
    for await (const d of readDocuments([out])) docs.push(new URL(d.url as string).pathname);
    const robotsAt = server.log.find((l) => l.path === '/robots.txt')?.at;
    return { docs: docs.sort(), log: server.log.filter((l) => l.path !== '/robots.txt'), robotsAt, robotsHits: server.hits.get('/robots.txt') ?? 0, stats: summary.stats };
  } finally {
    await server.close();
  }
}

test('robots.txt 404 (any 4xx) allows everything', async () => {
  const r = await crawlWith(respond(404, 'no'));
  assert.deepEqual(r.docs, ['/', '/blocked/three', '/one', '/two']);
  const forbidden = await crawlWith(respond(403, 'no'));
  assert.equal(forbidden.docs.length, 4);
});

test('robots.txt 5xx disallows the whole host', async () => {
  const r = await crawlWith(respond(503, 'down'));
  assert.deepEqual(r.docs, []);
  assert.equal(r.log.length, 0, 'no page was requested');
  assert.equal(r.stats.dropped_robots_unreachable, 1);
});

test('a robots.txt that times out disallows the host', async () => {
  const r = await crawlWith(slow(3000, robotsTxt('')), { headersTimeoutMs: 300, requestTimeoutMs: 500 });
  assert.deepEqual(r.docs, []);
  assert.equal(r.log.length, 0);
});

test('Disallow rules are obeyed and the disallowed page is never requested', async () => {
  const r = await crawlWith(robotsTxt('User-agent: *\nDisallow: /blocked/\n'));
  assert.deepEqual(r.docs, ['/', '/one', '/two']);
  assert.ok(!r.log.some((l) => l.path.startsWith('/blocked')));
  assert.equal(r.stats.dropped_robots, 1);
  assert.equal(r.robotsHits, 1, 'robots.txt fetched once and cached');
});

test('a group for our product token wins over *', async () => {
  const r = await crawlWith(robotsTxt('User-agent: *\nDisallow: /\n\nUser-agent: kilnbot\nDisallow: /two\n'));
  assert.deepEqual(r.docs, ['/', '/blocked/three', '/one']);
});

test('Crawl-delay spaces request starts to the host', async () => {
  const r = await crawlWith(robotsTxt('User-agent: *\nCrawl-delay: 0.4\n'), { concurrency: 8, perHostConcurrency: 4 });
  assert.equal(r.docs.length, 4);
  // Gaps between arrivals at the server are not the gate's gaps: a request granted on time can
  // arrive late (a loaded machine, a new connection), which shortens the gap after it. What the
  // gate promises holds at the server exactly: no page is granted before robots.txt has arrived,
  // and grants are 400 ms apart, so the k-th page to arrive (k from 0) comes at least 400·k ms
  // after robots.txt did. Without the delay all four pages arrive within a few ms of it.
  assert.ok(r.robotsAt !== undefined, 'robots.txt was fetched');
  const times = r.log.map((l) => l.at).sort((a, b) => a - b);
  for (let k = 1; k < times.length; k++) assert.ok(times[k] - r.robotsAt >= 400 * k, `page ${k} arrived ${times[k] - r.robotsAt} ms after robots.txt, before ${400 * k} ms`);
});

test('a huge robots.txt is read up to 500 KiB only; rules past that are ignored', async () => {
  const padding = '# padding line to make the file large\n'.repeat(Math.ceil((600 * 1024) / 38));
  const r = await crawlWith(robotsTxt(`User-agent: *\nDisallow: /one\n${padding}Disallow: /two\n`));
  assert.deepEqual(r.docs, ['/', '/blocked/three', '/two']);
});

test('a binary robots.txt (2 MB of random bytes) means no rules, not a crash', async () => {
  const r = await crawlWith(robotsTxt(randomBytes(2 * 1024 * 1024)));
  assert.equal(r.docs.length, 4);
});

test('an unreachable robots.txt blocks only for a while, then is fetched again', async () => {
  let calls = 0;
  const cache = new RobotsCache({
    userAgent: 'kilnbot',
    errorTtlMs: 50,
    load: async () => (++calls === 1 ? { kind: 'unreachable', reason: '503' } : { kind: 'ok', text: 'User-agent: *\nDisallow: /x\n' }),
  });
  const u = new URL('http://example.test/page');
  assert.equal((await cache.rulesFor(u)).isAllowed(u.href), false);
  assert.equal((await cache.rulesFor(u)).isAllowed(u.href), false, 'cached while the error lasts');
  assert.equal(calls, 1);
  await new Promise((r) => setTimeout(r, 80));
  const rules = await cache.rulesFor(u);
  assert.equal(calls, 2);
  assert.equal(rules.isAllowed(u.href), true);
  assert.equal(rules.isAllowed('http://example.test/x'), false);
});

test('parseRobots reads Crawl-delay and Sitemap lines', () => {
  const r = parseRobots('User-agent: *\nCrawl-delay: 2\nSitemap: http://h.test/s.xml\n', 'kilnbot/1.0');
  assert.equal(r.crawlDelayMs, 2000);
  assert.deepEqual(r.sitemaps, ['http://h.test/s.xml']);
});
