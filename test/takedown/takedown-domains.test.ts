// Takedown of 3 domains and 5 ids from an incremental pipeline over a WARC archive (crawl-archive,
// dedupe, tokenize, shard), through the real CLI. Checks each "Done when" point of the takedown:
// every removed document's full token list (and its id and text) is searched in every shards
// directory and every tokens and documents dataset and found before, not after; lookalike hosts
// stay (a domain takes its subdomains, never a longer or shorter name that merely looks alike);
// untouched shards are byte-identical; the persistent dedupe index forgets exactly the removed
// documents; an old loader state refuses to resume; the next incremental run, which re-reads the
// same archive, drops every taken-down record as dropped_takedown and brings none back.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { lockDataset } from '../../core/dataset-lock.js';
import { makeDirs } from '../../core/make-dirs.js';
import { countInIndex, exactKey } from '../../dedupe/index-forget.js';
import { loadPipeline } from '../../pipelines/load-pipeline.js';
import { acquireLock } from '../../pipelines/lock.js';
import { lockPath } from '../../pipelines/runner.js';
import { builtinRegistry } from '../../pipelines/stage-registry.js';
import { createLoader } from '../../train/loader/index.js';
import { kiln } from '../cli/kiln-process.js';
import { tempDir, writePipeline } from '../pipelines/toy-pipeline.js';
import { readIndex, rowsOf, type SoughtDocument, whereFound } from './dataset-search.js';
import { makePages, type WarcPage, writeWarc } from './site-warc.js';
import { pipelineTail } from './pipeline-tail.js';

// Taken down by domain: the domain itself and every subdomain (9 pages).
const TAKEN = ['https://example.com/a1', 'https://example.com/a2', 'https://example.com/a3', 'https://blog.example.com/b1', 'https://blog.example.com/b2', 'https://shop.test.org/s1', 'https://shop.test.org/s2', 'https://news.net/n1', 'https://www.news.net/n2'];
// Look alike but are other hosts: kept.
const LOOKALIKES = ['https://notexample.com/x', 'https://example.com.evil.org/x', 'https://example.co/x', 'https://test.org/x', 'https://other.test.org/x', 'https://news.network/x', 'https://shop.test.org.uk/x'];

function pipelineYaml(warcs: string[]): string {
  return `name: td-domains
workdir: ./work
incremental: true
stages:
  crawl:
    stage: crawl-archive
    warc: ${JSON.stringify(warcs)}
    filter: false
    extractor: plain
${pipelineTail(0)}`;
}

test('kiln takedown of 3 domains and 5 ids: gone from every shard and dataset, lookalikes kept, other shards byte for byte, index forgets, re-crawl drops them', { timeout: 600_000 }, async () => {
  const dir = await tempDir('kiln-takedown-domains-');
  // The archive: taken-down and lookalike pages interleaved with the first kept pages, then 50
  // more kept pages, so the removed tokens sit in the first shards and the last ones are untouched.
  const domainPages = makePages([...TAKEN, ...LOOKALIKES], 7);
  const keptPages = makePages(Array.from({ length: 60 }, (_, i) => `https://kept.org/k${i}`), 8, 120, 100);
  const pages: WarcPage[] = [];
  for (let i = 0; i < domainPages.length; i++) pages.push(domainPages[i], ...(i < 10 ? [keptPages[i]] : []));
  pages.push(...keptPages.slice(10));
  writeWarc(path.join(dir, 'a.warc'), pages);
  await writePipeline(dir, pipelineYaml(['a.warc']));

  const run1 = await kiln(['run', 'pipeline.yaml'], dir);
  assert.equal(run1.code, 0, run1.stderr);
  const work = path.join(dir, 'work');
  const gen1 = readdirSync(path.join(work, 'generations'))[0];
  const shards = path.join(work, 'state/shards');
  const before = readIndex(shards);
  const beforeBytes = new Map(before.splits.train.shards.map((s) => [s.file, readFileSync(path.join(shards, s.file))]));
  const crawled = await rowsOf(path.join(work, 'generations', gen1, 'crawl'), ['id', 'url', 'text']);
  assert.equal(crawled.length, pages.length, 'every page crawled');
  const tokensById = new Map((await rowsOf(path.join(work, 'generations', gen1, 'tokenize'), ['id', 'tokens'])).map((r) => [String(r.id), Array.from(r.tokens as ArrayLike<number>)]));
  assert.equal(tokensById.size, pages.length, 'dedupe kept every page');

  // 3 domains (spelled as a user might: a wildcard, upper case, a trailing dot) and 5 ids of kept.org pages.
  const byId = [1, 3, 5, 7, 9].map((i) => keptPages[i].id);
  await writeFile(path.join(dir, 'domains.txt'), '# owner request\nexample.com\nshop.test.org\n*.NEWS.net.\n');
  await writeFile(path.join(dir, 'ids.txt'), byId.join('\n') + '\n');
  const removed = [...domainPages.slice(0, TAKEN.length), ...byId.map((id) => keptPages.find((p) => p.id === id)!)];
  assert.equal(removed.length, 14);
  const removedIds = new Set(removed.map((p) => p.id));
  const crawledText = new Map(crawled.map((r) => [String(r.id), String(r.text)]));
  const sought: SoughtDocument[] = removed.map((p) => ({ id: p.id, text: crawledText.get(p.id)!, tokens: tokensById.get(p.id)! }));

  // Before: each removed document is found in the shards (its full token list) and in every dataset.
  const found0 = await whereFound(work, sought);
  for (const d of sought) {
    assert.ok(found0.some((h) => h.startsWith(`${shards}: ${d.id} (tokens`)), `${d.id} not found in the shards before the takedown`);
    for (const stage of ['crawl', 'dedupe', 'tokenize']) assert.ok(found0.some((h) => h.startsWith(`${path.join(work, 'generations', gen1, stage)}: ${d.id}`)), `${d.id} not in ${stage} before`);
  }
  // The persistent dedupe index holds each of them (by exact hash) before.
  const index = path.join(work, 'state/dedupe-index');
  const removedKeys = sought.map((d) => exactKey(d.text));
  const keptKeys = crawled.filter((r) => !removedIds.has(String(r.id))).map((r) => exactKey(String(r.text)));
  assert.equal(await countInIndex(index, removedKeys), 14);

  const loader = await createLoader({ index: shards, batchSize: 2 });
  await loader.next();
  const oldState = loader.state();
  await loader.close();

  // While a run of the pipeline, or another takedown sharing its state folder, holds a lock, the
  // takedown is refused and removes nothing.
  const tdArgs = ['takedown', '--domains', 'domains.txt', '--ids', 'ids.txt', '--pipeline', 'pipeline.yaml', '--reason', 'owner request', '--json'];
  const pipelineLock = await acquireLock(lockPath(await loadPipeline(path.join(dir, 'pipeline.yaml'), builtinRegistry)));
  try {
    const refused = await kiln(tdArgs, dir);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: KILN_PIPELINE_LOCKED: /m);
  } finally {
    await pipelineLock.release();
  }
  await makeDirs(path.join(work, 'state/takedown'));
  const stateLock = await lockDataset(path.join(work, 'state/takedown'));
  try {
    const refused = await kiln(tdArgs, dir);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: KILN_OUTPUT_LOCKED: /m);
  } finally {
    await stateLock();
  }
  assert.equal((await whereFound(work, sought)).length, found0.length, 'a refused takedown removed something');

  const td = await kiln(tdArgs, dir);
  assert.equal(td.code, 0, td.stderr);
  const summary = JSON.parse(td.stdout) as { removed: Array<{ id: string }>; datasets: Array<{ dir: string; removed: number }>; shards: Array<{ rebuilt: Record<string, string> }>; indexes: Array<{ dir: string; forgotten: number }> };
  assert.deepEqual(summary.removed.map((r) => r.id).sort(), [...removedIds].sort());
  for (const stage of ['crawl', 'dedupe', 'tokenize']) assert.equal(summary.datasets.find((d) => d.dir === path.join(work, 'generations', gen1, stage))?.removed, 14, stage);

  // Nowhere any more: no token list in any shard, no id, text or token list in any dataset.
  assert.deepEqual(await whereFound(work, sought), []);
  // Lookalike hosts and every other page stay, in every dataset.
  for (const stage of ['crawl', 'dedupe', 'tokenize']) {
    const ids = new Set((await rowsOf(path.join(work, 'generations', gen1, stage), ['id'])).map((r) => String(r.id)));
    assert.deepEqual(pages.filter((p) => !ids.has(p.id) !== removedIds.has(p.id)).map((p) => p.url), [], `${stage}: kept/removed mismatch`);
  }

  // Untouched shards: the same names, byte for byte; only some were rebuilt, and those are gone.
  const after = readIndex(shards);
  const replaced = summary.shards[0].rebuilt;
  assert.ok(Object.keys(replaced).length > 0 && Object.keys(replaced).length < before.splits.train.shards.length, `rebuilt ${Object.keys(replaced).length} of ${before.splits.train.shards.length}`);
  let untouched = 0;
  for (const s of after.splits.train.shards) {
    const old = beforeBytes.get(s.file);
    if (!old) continue;
    untouched++;
    assert.ok(old.equals(readFileSync(path.join(shards, s.file))), `${s.file} changed`);
  }
  assert.equal(untouched, before.splits.train.shards.length - Object.keys(replaced).length);
  for (const old of Object.keys(replaced)) assert.ok(!readdirSync(shards).includes(old), `${old} was not deleted`);

  // The dedupe index forgot exactly the removed documents.
  assert.deepEqual(summary.indexes.map((i) => [i.dir, i.forgotten]), [[index, 14]]);
  assert.equal(await countInIndex(index, removedKeys), 0);
  assert.equal(await countInIndex(index, keptKeys), keptKeys.length);

  // The old loader state refuses the new data by name.
  await assert.rejects(createLoader({ index: shards, batchSize: 2, state: oldState }), (err: { code?: string }) => err.code === 'KILN_DATA_CHANGED');

  // The next incremental run re-reads the archive plus a new one with 4 new kept pages and 2 new
  // pages on taken-down domains: the 14 and the 2 are dropped as takedowns, none comes back.
  const fresh = makePages(['https://kept.org/new1', 'https://kept.org/new2', 'https://kept.org/new3', 'https://kept.org/new4', 'https://blog.example.com/new', 'https://news.net/new'], 9, 120, 500);
  writeWarc(path.join(dir, 'b.warc'), fresh);
  await writePipeline(dir, pipelineYaml(['a.warc', 'b.warc']));
  const run2 = await kiln(['run', 'pipeline.yaml'], dir);
  assert.equal(run2.code, 0, run2.stderr);
  const gen2 = readdirSync(path.join(work, 'generations')).filter((g) => g !== gen1);
  assert.equal(gen2.length, 1);
  const success = JSON.parse(readFileSync(path.join(work, 'generations', gen2[0], 'crawl/_kiln/SUCCESS.json'), 'utf8')) as { stats: Record<string, number> };
  assert.equal(success.stats.dropped_takedown, 16);
  const crawled2 = new Set((await rowsOf(path.join(work, 'generations', gen2[0], 'crawl'), ['id'])).map((r) => String(r.id)));
  assert.deepEqual([...crawled2].filter((id) => removedIds.has(id) || id === fresh[4].id || id === fresh[5].id), []);
  const dedupe2 = new Set((await rowsOf(path.join(work, 'generations', gen2[0], 'dedupe'), ['id'])).map((r) => String(r.id)));
  assert.deepEqual([...dedupe2].sort(), fresh.slice(0, 4).map((p) => p.id).sort(), 'generation 2 adds only the new kept pages');
  assert.deepEqual(await whereFound(work, sought), []);
});
