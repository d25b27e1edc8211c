import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../../core/input-files.js';
import { runStage } from '../../../core/run-stage.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { loadPageFilter } from '../../../crawl/live/page-filter.js';
import { loadExtractor } from '../../../crawl/live/page-text.js';
import { encoded, failFirst, gzipBombBytes, htmlPage, hugeBody, redirect, reset, respond, startFaultServer } from './fault-server.js';

process.env.KILN_LOG = 'silent';

test('a crawl through every fault: recoverable pages are stored, the rest are counted by reason', async () => {
  const text = (n: string) => [`The ${n} page has a sentence of readable text for the crawler to keep.`];
  const links = ['/rate', '/flaky', '/reset', '/loop', '/big', '/bomb', '/cp1251', '/bogus-charset', '/gone', '/pdf', '/dead'];
  const cp1251 = Buffer.concat([Buffer.from('<html><body><p>'), Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), Buffer.from(' world</p></body></html>')]);
  const server = await startFaultServer({
    '/': htmlPage('Home', text('home'), links),
    '/rate': failFirst(1, respond(429, 'later', { 'retry-after': '1' }), htmlPage('Rate', text('rate'))),
    '/flaky': failFirst(2, respond(503, 'down'), htmlPage('Flaky', text('flaky'))),
    '/reset': failFirst(1, reset, htmlPage('Reset', text('reset'))),
    '/loop': redirect('/loop2'),
    '/loop2': redirect('/loop'),
    '/big': hugeBody(50 * 1024 * 1024),
    '/bomb': encoded(gzipBombBytes(100), 'gzip'),
    '/cp1251': respond(200, cp1251, { 'content-type': 'text/html; charset=windows-1251' }),
    '/bogus-charset': respond(200, '<p>plain ascii text with a bogus charset label</p>', { 'content-type': 'text/html; charset=x-no-such-thing' }),
    '/gone': respond(410, 'gone'),
    '/pdf': respond(200, '%PDF-1.4', { 'content-type': 'application/pdf' }),
    '/dead': respond(500, 'always broken'),
  });
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-faults-'));
  try {
    // Load the extractor, language model and filters first: the bound checked is per page, not per module.
    (await loadPageFilter({ filter: false, languages: ['en'] }))('warm up the language model with a sentence of text.');
    await loadExtractor();
    const rss0 = process.memoryUsage().rss;
    const s = await runStage(liveCrawlStage, {
      out,
      config: { urls: [`${server.origin}/`], allowPrivate: true, perHostDelayMs: 0, discoverSitemaps: false, extractor: 'plain', filter: false, maxBodyBytes: 1024 * 1024, retryBaseMs: 20, maxRetries: 2 },
    });
    const rss = process.memoryUsage().rss - rss0;
    const docs = new Map<string, Record<string, unknown>>();
    for await (const d of readDocuments([out])) docs.set(new URL(d.url as string).pathname, d as Record<string, unknown>);
    assert.deepEqual([...docs.keys()].sort(), ['/', '/big', '/bogus-charset', '/cp1251', '/flaky', '/rate', '/reset']);
    assert.equal(docs.get('/big')!.truncated, true);
    // The bomb decodes to spaces: cut at 1 MiB, then dropped for having no text.
    assert.equal(s.stats.dropped_empty_text, 1);
    assert.match(docs.get('/cp1251')!.text as string, /Привет world/);
    assert.match(docs.get('/bogus-charset')!.text as string, /plain ascii text/);
    assert.equal(s.stats.dropped_redirect_loop, 1);
    assert.equal(s.stats.dropped_http_status, 1);
    assert.equal(s.stats.dropped_content_type, 1);
    assert.equal(s.stats.dropped_retries_exhausted, 1);
    assert.equal(s.stats.truncated, 1);
    assert.equal(server.hits.get('/dead'), 3, 'first try + 2 retries');
    assert.ok(rss < 150 * 1024 * 1024, `rss grew ${rss} bytes`);
  } finally {
    await server.close();
    await fs.rm(out, { recursive: true, force: true });
  }
});
