import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WARCParser } from 'warcio';
import { readDocuments } from '../../../core/input-files.js';
import { runStage } from '../../../core/run-stage.js';
import { urlId } from '../../../crawl/live/canonical-url.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { reopenForRecrawl } from '../../../crawl/live/recrawl.js';
import { crawlSite } from './crawl-site.js';
import { startFaultServer, type FaultServer } from './fault-server.js';

process.env.KILN_LOG = 'silent';

async function docs(out: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const d of readDocuments([out])) rows.push(d as Record<string, unknown>);
  return rows;
}

describe('live crawl of a local site', () => {
  let server: FaultServer;
  let site: ReturnType<typeof crawlSite>;
  let tmp: string;
  before(async () => {
    site = crawlSite(() => server.origin);
    server = await startFaultServer(site.routes);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-crawl-'));
  });
  after(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });
  const config = (extra: Record<string, unknown> = {}) => ({ urls: [`${server.origin}/`], allowPrivate: true, perHostDelayMs: 0, concurrency: 4, filter: false, extractor: 'plain', ...extra });

  test('follows links and the sitemap, obeys robots.txt, skips non-text, writes one document per page', async () => {
    const out = path.join(tmp, 'basic');
    const summary = await runStage(liveCrawlStage, { out, config: config() });
    const rows = await docs(out);
    const paths = rows.map((r) => new URL(r.url as string).pathname).sort();
    assert.deepEqual(paths, ['/', '/a', '/a1', '/a2', '/b', '/c', '/d']);
    assert.equal(server.hits.get('/private/secret'), undefined, 'disallowed page never requested');
    for (const r of rows) {
      assert.equal(r.id, urlId(r.url as string));
      assert.equal(r.status, 200);
      assert.equal(r.content_type, 'text/html');
      assert.match(r.text as string, /Body of/);
      assert.ok(typeof r.fetched_at === 'string' && !Number.isNaN(Date.parse(r.fetched_at as string)));
      assert.match(r.etag as string, /-v1"$/);
      assert.equal(r.version, 1);
    }
    assert.equal(summary.stats.dropped_robots, 1);
    assert.equal(summary.stats.dropped_content_type, 1);
    assert.equal(summary.stats.kept, 7);
    for (const p of ['/', '/a', '/b', '/c']) assert.equal(server.hits.get(p), 1, `${p} fetched once`);
  });

  test('max depth and max pages bound the crawl', async () => {
    const shallow = path.join(tmp, 'shallow');
    await runStage(liveCrawlStage, { out: shallow, config: config({ maxDepth: 1, discoverSitemaps: false }) });
    const paths = (await docs(shallow)).map((r) => new URL(r.url as string).pathname).sort();
    assert.deepEqual(paths, ['/', '/a', '/b', '/c']);
    const few = path.join(tmp, 'few');
    const s = await runStage(liveCrawlStage, { out: few, config: config({ maxPages: 3, discoverSitemaps: false }) });
    assert.equal((await docs(few)).length, 3);
    assert.equal(s.stats.fetched, 3);
  });

  test('re-crawl sends validators: 304 keeps the old document, a changed page gets a new version', async () => {
    const out = path.join(tmp, 'recrawl');
    await runStage(liveCrawlStage, { out, config: config() });
    const first = await docs(out);
    const b = site.pages.get('/b')!;
    const oldB = { ...b };
    b.etag = '"/b-v2"';
    b.html = b.html.replace('Body of Page B', 'Rewritten body of Page B');
    const logFrom = server.log.length;
    try {
      await reopenForRecrawl(out);
      const s = await runStage(liveCrawlStage, { out, config: config() });
      const requests = server.log.slice(logFrom).filter((l) => !l.path.startsWith('/robots') && !l.path.startsWith('/sitemap'));
      const conditional = requests.filter((l) => l.headers['if-none-match']);
      assert.ok(conditional.length >= 7, `conditional requests: ${conditional.length}`);
      assert.equal(s.stats.not_modified, 6);
      const rows = await docs(out);
      assert.equal(rows.length, first.length + 1);
      const bRows = rows.filter((r) => new URL(r.url as string).pathname === '/b').sort((x, y) => (x.version as number) - (y.version as number));
      assert.equal(bRows.length, 2);
      assert.equal(bRows[0].id, urlId(bRows[0].url as string));
      assert.equal(bRows[1].id, `${urlId(bRows[1].url as string)}.v2`);
      assert.match(bRows[1].text as string, /Rewritten/);
      assert.equal(bRows[1].etag, '"/b-v2"');
      assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');
    } finally {
      Object.assign(b, oldB);
    }
  });

  test('--warc archives every stored response; warcio reads the files back', async () => {
    const out = path.join(tmp, 'warc');
    await runStage(liveCrawlStage, { out, config: config({ warc: true }) });
    const rows = await docs(out);
    const files = (await fs.readdir(path.join(out, 'warc'))).filter((f) => f.endsWith('.warc.gz'));
    assert.ok(files.length >= 1);
    const seen = new Map<string, string>();
    let warcinfo = 0;
    for (const f of files) {
      const stream = (await fs.open(path.join(out, 'warc', f))).createReadStream();
      for await (const record of new WARCParser(stream)) {
        if (record.warcType === 'warcinfo') { warcinfo++; continue; }
        assert.equal(record.warcType, 'response');
        assert.equal(record.httpHeaders?.statusCode, 200);
        seen.set(record.warcTargetURI!, await record.contentText());
      }
    }
    assert.equal(warcinfo, files.length);
    assert.deepEqual([...seen.keys()].sort(), rows.map((r) => r.url as string).sort());
    for (const r of rows) assert.ok(seen.get(r.url as string)!.includes(r.title as string), `WARC payload of ${r.url as string} is the page`);
  });
});

test('quality and language filters drop thin or foreign pages with a named reason; --excluded keeps them', async () => {
  const prose = [
    'The river town wakes slowly in the early autumn, when the fog lifts from the water and the first boats leave the harbour.',
    'Fishermen check their nets while the bakery on the corner opens its doors and the smell of fresh bread drifts along the street.',
    'Children walk to school in small groups, talking about the football match that the local team lost on Saturday afternoon.',
    'By noon the market square is full of people buying apples, cheese and honey from the farms in the valley above the town.',
    'In the evening the light turns golden, the cafes fill with neighbours, and the old men play cards until it is too dark to see.',
  ];
  const german = [
    'Die kleine Stadt am Fluss erwacht im Herbst nur langsam, wenn der Nebel über dem Wasser liegt und die ersten Boote den Hafen verlassen.',
    'Die Fischer prüfen ihre Netze, während die Bäckerei an der Ecke ihre Türen öffnet und der Duft von frischem Brot durch die Straßen zieht.',
    'Die Kinder gehen in kleinen Gruppen zur Schule und sprechen über das Fußballspiel, das die Mannschaft am Samstag verloren hat.',
    'Am Mittag ist der Marktplatz voller Menschen, die Äpfel, Käse und Honig von den Höfen im Tal oberhalb der Stadt kaufen.',
  ];
  const { htmlPage } = await import('./fault-server.js');
  const server = await startFaultServer({
    '/': htmlPage('Good', prose, ['/thin', '/de']),
    '/thin': htmlPage('Thin', ['Too short.']),
    '/de': htmlPage('Deutsch', german),
  });
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-filter-'));
  try {
    const s = await runStage(liveCrawlStage, { out, config: { urls: [`${server.origin}/`], allowPrivate: true, perHostDelayMs: 0, discoverSitemaps: false, excluded: true } });
    const rows = await docs(out);
    assert.deepEqual(rows.map((r) => new URL(r.url as string).pathname), ['/']);
    assert.equal(rows[0].lang, 'en');
    assert.equal(s.stats.dropped_language, 1);
    const dropped = Object.entries(s.stats).filter(([k]) => k.startsWith('dropped_'));
    assert.equal(dropped.reduce((n, [, v]) => n + v, 0), 2);
    // --excluded: both dropped pages, with their text, language and the reason they were counted under.
    const excluded = (await docs(path.join(out, 'excluded'))).sort((a, b) => String(a.url).localeCompare(String(b.url)));
    assert.deepEqual(excluded.map((r) => [new URL(r.url as string).pathname, `dropped_${String(r.reason)}`]).sort(), dropped.map(([k]) => k).map((k) => [k === 'dropped_language' ? '/de' : '/thin', k]).sort());
    const de = excluded.find((r) => String(r.url).endsWith('/de'))!;
    assert.equal(de.lang, 'de');
    assert.match(String(de.text), /Fischer/);
  } finally {
    await server.close();
    await fs.rm(out, { recursive: true, force: true });
  }
});
