// Takedown through the real CLI, from the run's own directory with relative paths: an incremental
// pipeline over the demo site (crawl, dedupe, tokenize, shard), then `kiln takedown` of 3 URLs
// and 5 ids; the removed documents' token lists are gone from every shard and dataset, the other
// shards are byte-identical, the next incremental crawl skips the URLs, and an old loader state
// refuses to resume.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startDemoSite } from '../../pipelines/examples/demo-site.js';
import { createLoader } from '../../train/loader/index.js';
import { kiln } from '../cli/kiln-process.js';
import { tempDir, writePipeline } from '../pipelines/toy-pipeline.js';
import { contains, readIndex, rowsOf, splitStream } from './dataset-search.js';
import { pipelineTail } from './pipeline-tail.js';

test('kiln takedown removes documents from datasets and shards, keeps other shards byte for byte, and keeps them out of the next crawl', async () => {
  const site = await startDemoSite({ articles: 40, paragraphs: 4 });
  try {
    const dir = await tempDir('kiln-takedown-');
    await writePipeline(
      dir,
      `name: td
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
${pipelineTail(0)}`,
    );
    const run1 = await kiln(['run', 'pipeline.yaml'], dir);
    assert.equal(run1.code, 0, run1.stderr);
    const gen = readdirSync(path.join(dir, 'work/generations'))[0];
    const shards = path.join(dir, 'work/state/shards');
    const before = readIndex(shards);
    assert.ok(before.splits.train.shards.length >= 6, `want several shards, got ${before.splits.train.shards.length}`);
    const beforeBytes = new Map(before.splits.train.shards.map((s) => [s.file, readFileSync(path.join(shards, s.file))]));

    const docs = await rowsOf(path.join(dir, 'work/generations', gen, 'dedupe'), ['id', 'url']);
    const tokens = new Map((await rowsOf(path.join(dir, 'work/generations', gen, 'tokenize'), ['id', 'tokens'])).map((r) => [String(r.id), Array.from(r.tokens as ArrayLike<number>)]));
    docs.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    // The crawl's order (8 fetches at once) decides which shard holds a document: take the 8 from
    // documents wholly inside the first half of the shards, so the takedown must leave the other
    // half untouched whatever that order was.
    const firstHalf = new Set(before.splits.train.shards.slice(0, Math.floor(before.splits.train.shards.length / 2)).map((s) => s.file));
    const inside = new Set<string>();
    const outside = new Set<string>();
    for (const s of before.splits.train.shards) {
      for (const l of readFileSync(path.join(shards, s.lineage!.file), 'utf8').trim().split('\n').slice(1)) (firstHalf.has(s.file) ? inside : outside).add((JSON.parse(l) as [string])[0]);
    }
    const candidates = docs.filter((d) => inside.has(String(d.id)) && !outside.has(String(d.id)));
    assert.ok(candidates.length >= 8, `documents only in the first half of the shards: ${candidates.length}`);
    const byUrl = candidates.slice(0, 3);
    const byId = candidates.slice(3, 8);
    const removed = [...byUrl, ...byId].map((d) => String(d.id));
    await writeFile(path.join(dir, 'urls.txt'), byUrl.map((d) => d.url).join('\n') + '\n');
    await writeFile(path.join(dir, 'ids.txt'), '# taken down\n' + byId.map((d) => d.id).join('\n') + '\n');

    // Before: every removed document's full token list is in the shards (so the check below can fail).
    const stream0 = splitStream(shards, before, 'train');
    for (const id of removed) assert.ok(contains(stream0, tokens.get(id)!), `document ${id} not found in the shards before the takedown`);

    const loader = await createLoader({ index: shards, batchSize: 2 });
    await loader.next();
    const oldState = loader.state();
    await loader.close();

    const td = await kiln(['takedown', '--urls', 'urls.txt', '--ids', 'ids.txt', '--pipeline', 'pipeline.yaml', '--reason', 'owner request', '--json'], dir);
    assert.equal(td.code, 0, td.stderr);
    const summary = JSON.parse(td.stdout) as { removed: Array<{ id: string }>; shards: Array<{ rebuilt: Record<string, string> }>; indexes: Array<{ dir: string; forgotten: number }> };
    assert.deepEqual(summary.removed.map((r) => r.id).sort(), [...removed].sort());
    // The dedupe index forgot each of them (found by exact hash in its one generation).
    assert.deepEqual(summary.indexes.map((i) => [path.basename(i.dir), i.forgotten]), [['dedupe-index', removed.length]]);

    // No removed document's token list in any shard; none of their rows in any dataset.
    const after = readIndex(shards);
    const stream1 = splitStream(shards, after, 'train');
    for (const id of removed) assert.ok(!contains(stream1, tokens.get(id)!), `document ${id} is still in the shards`);
    for (const stage of ['dedupe', 'tokenize']) {
      const ids = new Set((await rowsOf(path.join(dir, 'work/generations', gen, stage), ['id'])).map((r) => String(r.id)));
      for (const id of removed) assert.ok(!ids.has(id), `${stage} still holds ${id}`);
    }
    const crawled = new Set((await rowsOf(path.join(dir, 'work/state/crawl'), ['id'])).map((r) => String(r.id)));
    for (const id of removed) assert.ok(!crawled.has(id), `crawl still holds ${id}`);
    // Every other document is still there: all its tokens by the lineage files, and contiguous
    // unless a rebuilt shard cut it at the shard's end (a rebuilt shard ends with EOS padding).
    const held = new Map<string, { tokens: number; rebuilt: boolean }>();
    const rebuiltFiles = new Set(Object.values((JSON.parse(td.stdout) as { shards: Array<{ rebuilt: Record<string, string> }> }).shards[0].rebuilt));
    for (const s of after.splits.train.shards) {
      const lines = readFileSync(path.join(shards, s.lineage!.file), 'utf8').trim().split('\n').slice(1);
      for (const l of lines) {
        const [id, , n] = JSON.parse(l) as [string, number, number, number];
        const h = held.get(id) ?? { tokens: 0, rebuilt: false };
        h.tokens += n;
        h.rebuilt ||= rebuiltFiles.has(s.file);
        held.set(id, h);
      }
    }
    for (const id of removed) assert.ok(!held.has(id), `lineage still names ${id}`);
    for (const [id, toks] of tokens) {
      if (removed.includes(id)) continue;
      assert.equal(held.get(id)?.tokens, toks.length, `kept document ${id}: ${held.get(id)?.tokens} of ${toks.length} tokens in the shards`);
      if (!held.get(id)!.rebuilt) assert.ok(contains(stream1, toks), `kept document ${id} is missing from the shards`);
    }

    // Untouched shards: the same names, byte for byte; only the rebuilt ones changed.
    const replaced = summary.shards[0].rebuilt;
    assert.ok(Object.keys(replaced).length > 0 && Object.keys(replaced).length < before.splits.train.shards.length);
    for (const s of after.splits.train.shards) {
      const old = beforeBytes.get(s.file);
      if (old) assert.ok(old.equals(readFileSync(path.join(shards, s.file))), `${s.file} changed`);
    }
    for (const old of Object.keys(replaced)) assert.ok(!readdirSync(shards).includes(old), `${old} was not deleted`);
    const log = readFileSync(path.join(dir, 'work/state/takedown/takedown-log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(log.length, 1);
    assert.equal(JSON.parse(log[0]).reason, 'owner request');

    // The old loader state refuses the new data by name.
    await assert.rejects(createLoader({ index: shards, batchSize: 2, state: oldState }), (err: { code?: string }) => err.code === 'KILN_DATA_CHANGED');

    // Run again: same result, nothing more removed, no second log line.
    const again = await kiln(['takedown', '--urls', 'urls.txt', '--ids', 'ids.txt', '--pipeline', 'pipeline.yaml', '--reason', 'owner request', '--json'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readIndex(shards).splits, after.splits);
    assert.deepEqual((JSON.parse(again.stdout) as typeof summary).indexes.map((i) => i.forgotten), [0]);

    // The next incremental crawl skips the taken-down URLs (counted) and brings none back.
    const run2 = await kiln(['run', 'pipeline.yaml'], dir);
    assert.equal(run2.code, 0, run2.stderr);
    const success = JSON.parse(readFileSync(path.join(dir, 'work/state/crawl/_kiln/SUCCESS.json'), 'utf8')) as { stats: Record<string, number> };
    assert.ok((success.stats.dropped_takedown ?? 0) >= byUrl.length, `dropped_takedown = ${success.stats.dropped_takedown}`);
    const crawled2 = await rowsOf(path.join(dir, 'work/state/crawl'), ['id', 'url']);
    for (const d of byUrl) assert.ok(!crawled2.some((r) => r.url === d.url), `${d.url} came back`);
  } finally {
    await site.close();
  }
});
