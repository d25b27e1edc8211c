import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startDemoSite } from '../../pipelines/examples/demo-site.js';
import { listGenerations } from '../../pipelines/generations.js';
import { pipelineStatus } from '../../pipelines/pipeline-status.js';
import { runPipeline } from '../../pipelines/runner.js';
import { builtinRegistry } from '../../pipelines/stage-registry.js';
import { readSorted, tempDir, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';

/** Article number of a demo-site URL (articles, their exact mirrors and near-duplicate copies). */
function articleOf(url: string): number {
  const m = /\/(articles|mirror|syndicated)\/(\d+)\.html$/.exec(url);
  assert.ok(m, `unexpected document url ${url}`);
  return Number(m[2]);
}

test('incremental crawl of a changing site: generation 2 holds only new or changed documents, none of generation 1', async (t) => {
  const registry = await builtinRegistry();
  const lacking = ['crawl', 'dedupe'].filter((n) => !registry.has(n));
  if (lacking.length) {
    t.skip(`built-in stages not in this build: ${lacking.join(', ')}`);
    return;
  }
  const site = await startDemoSite({ articles: 30, newPerVersion: 10, paragraphs: 4 });
  try {
    const dir = await tempDir();
    const file = await writePipeline(
      dir,
      `name: site
workdir: ./work
incremental: true
stages:
  crawl:
    urls: ["${site.url}/"]
    sitemaps: ["${site.url}/sitemap.xml"]
    allowPrivate: true
    perHostDelayMs: 0
    perHostConcurrency: 8
    maxPages: 200
  dedupe:
    threshold: 0.8
`,
    );
    const g1 = await runPipeline(file, { registry, quiet: true });
    const first = await readSorted(path.join(dir, 'work/generations', g1.generation!, 'dedupe'));
    const urls1 = await urlsOf(path.join(dir, 'work/generations', g1.generation!, 'dedupe'));
    // Generation 1: each of the 30 articles once (mirrors and syndicated copies removed).
    assert.deepEqual([...new Set(urls1.map(articleOf))].sort((a, b) => a - b), Array.from({ length: 30 }, (_, n) => n));
    assert.equal(first.length, 30);

    const requests1 = pageRequests(site.requests);
    assert.equal(g1.reports.find((r) => r.key === 'crawl')!.stats.fetched, requests1);
    site.version = 2; // changes articles with (n + 2) % 7 == 0 and adds articles 30..39
    const g2 = await runPipeline(file, { registry, quiet: true });
    assert.notEqual(g2.generation, g1.generation);
    assert.equal((await listGenerations(path.join(dir, 'work'))).length, 2);
    // Each generation's crawl reports its own work: generation 2 re-fetches the known pages and
    // fetches the new ones, and keeps only new or changed pages (cumulative counts said 45 + 57).
    const crawl1 = g1.reports.find((r) => r.key === 'crawl')!;
    const crawl2 = g2.reports.find((r) => r.key === 'crawl')!;
    assert.equal(crawl2.stats.kept, crawl2.docsOut - crawl1.docsOut, 'kept in generation 2 = rows it added to the crawl output');
    assert.equal(crawl2.stats.fetched, pageRequests(site.requests) - requests1, 'fetched in generation 2 = page requests the site saw during it');
    // Dedupe's bytes are those of its output dataset, never 0 when it kept documents.
    for (const g of [g1, g2]) {
      const d = g.reports.find((r) => r.key === 'dedupe')!;
      const success = JSON.parse(await fs.readFile(path.join(dir, 'work/generations', g.generation!, 'dedupe/_kiln/SUCCESS.json'), 'utf8')) as { bytes: number };
      assert.ok(d.docsOut > 0 && d.bytes > 0);
      assert.equal(d.bytes, success.bytes);
    }
    // `kiln status` of the pipeline: the latest generation's dedupe, with its bytes.
    const status = await pipelineStatus(file, registry);
    const dedupeStatus = status.stages.find((x) => x.key === 'dedupe')!;
    assert.equal(dedupeStatus.bytes, g2.reports.find((r) => r.key === 'dedupe')!.bytes);
    const second = await readSorted(path.join(dir, 'work/generations', g2.generation!, 'dedupe'));
    const urls2 = await urlsOf(path.join(dir, 'work/generations', g2.generation!, 'dedupe'));
    const changed = Array.from({ length: 30 }, (_, n) => n).filter((n) => (n + 2) % 7 === 0);
    const added = Array.from({ length: 10 }, (_, i) => 30 + i);
    assert.deepEqual(urls2.map(articleOf).sort((a, b) => a - b), [...changed, ...added].sort((a, b) => a - b));
    const before = new Set(first.map((d) => d.text));
    assert.ok(second.every((d) => !before.has(d.text)), 'a generation-2 document repeats generation 1');
    assert.equal(site.requests.get('/private/drafts.html') ?? 0, 0, 'robots.txt disallows /private/');
  } finally {
    await site.close();
  }
});

/** Page requests a demo site answered (robots.txt and sitemaps are not pages). */
function pageRequests(requests: Map<string, number>): number {
  let n = 0;
  for (const [p, count] of requests) if (p !== '/robots.txt' && !/sitemap/.test(p)) n += count;
  return n;
}

async function urlsOf(dir: string): Promise<string[]> {
  const { readDocuments } = await import('../../core/input-files.js');
  const urls: string[] = [];
  for await (const d of readDocuments([dir])) urls.push(String(d.url));
  return urls;
}
