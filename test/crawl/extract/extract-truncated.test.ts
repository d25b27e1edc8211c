// A page longer than the extractor's cap (MAX_HTML_CHARS) is cut; both crawl modes count it as
// `extract_truncated` in their stats instead of storing the shortened text silently.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runStage } from '../../../core/run-stage.js';
import { archiveCrawlStage } from '../../../crawl/archive/index.js';
import { MAX_HTML_CHARS } from '../../../crawl/extract/main-text.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { htmlPage, respond, startFaultServer } from '../live/fault-server.js';

process.env.KILN_LOG = 'silent';

const sentence = 'This paragraph is ordinary prose that the extractor keeps as main text of the page.';
const small = `<!doctype html><html><body><article><p>${sentence}</p><p>${sentence}</p></article></body></html>`;
// Over the cap by a few KiB of filler after a kept article.
const big = `<!doctype html><html><body><article><p>${sentence}</p><p>${sentence}</p></article><div>${'x '.repeat(MAX_HTML_CHARS / 2 + 4096)}</div></body></html>`;

function resourceRecord(url: string, html: string): Buffer {
  const block = Buffer.from(html);
  const head = [
    'WARC/1.0',
    'WARC-Type: resource',
    `WARC-Record-ID: <urn:uuid:${url.length.toString(16).padStart(8, '0')}-0000-4000-8000-${Buffer.from(url).toString('hex').slice(-12).padStart(12, '0')}>`,
    `WARC-Target-URI: ${url}`,
    'WARC-Date: 2026-12-06T00:00:00Z',
    'Content-Type: text/html',
    `Content-Length: ${block.length}`,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), block, Buffer.from('\r\n\r\n')]);
}

test('archive crawl: a record past the extractor cap is counted as extract_truncated, a small one is not', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-extract-cut-'));
  try {
    const warc = path.join(dir, 'pages.warc');
    await fs.writeFile(warc, Buffer.concat([resourceRecord('http://example.test/small', small), resourceRecord('http://example.test/big', big)]));
    const s = await runStage(archiveCrawlStage, { inputs: [warc], out: path.join(dir, 'out'), config: { filter: false }, workers: 1, quiet: true });
    assert.equal(s.stats.pages, 2);
    assert.equal(s.stats.extract_truncated, 1);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('live crawl: a page past the extractor cap is counted as extract_truncated, a small one is not', async () => {
  const server = await startFaultServer({
    '/': htmlPage('Home', [sentence, sentence], ['/big']),
    '/big': respond(200, big),
  });
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-extract-cut-live-'));
  try {
    const s = await runStage(liveCrawlStage, {
      out,
      config: { urls: [`${server.origin}/`], allowPrivate: true, perHostDelayMs: 0, discoverSitemaps: false, extractor: 'main', filter: false, maxBodyBytes: 2 * MAX_HTML_CHARS },
      quiet: true,
    });
    assert.equal(s.stats.kept, 2);
    assert.equal(s.stats.extract_truncated, 1);
    // The fetch itself was whole: this is the extractor's cut, not the body cap's.
    assert.equal(s.stats.truncated, undefined);
  } finally {
    await server.close();
    await fs.rm(out, { recursive: true, force: true });
  }
});
