// `kiln takedown --datasets` beside a standalone archive crawl: a takedown whose state folder is
// held by another takedown is refused (KILN_OUTPUT_LOCKED) and changes nothing; run again once
// the lock is free it removes the pages, and `kiln crawl --warc ... --deny-list FILE` then drops
// them (dropped_takedown) when it reads the same archive again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { lockDataset } from '../../core/dataset-lock.js';
import { makeDirs } from '../../core/make-dirs.js';
import { kiln } from '../cli/kiln-process.js';
import { tempDir } from '../pipelines/toy-pipeline.js';
import { rowsOf } from './dataset-search.js';
import { makePages, writeWarc } from './site-warc.js';

test('kiln takedown --datasets: refused while another takedown holds its state; then removes, and crawl --warc --deny-list drops the pages', { timeout: 300_000 }, async () => {
  const dir = await tempDir('kiln-takedown-datasets-');
  const pages = makePages(['https://a.example/1', 'https://b.a.example/2', 'https://aa.example/3', ...Array.from({ length: 10 }, (_, i) => `https://keep.example/${i}`)], 3);
  writeWarc(path.join(dir, 'site.warc'), pages);
  const crawl1 = await kiln(['crawl', '--warc', 'site.warc', '--no-filter', '--out', 'runs/site'], dir);
  assert.equal(crawl1.code, 0, crawl1.stderr);
  await writeFile(path.join(dir, 'domains.txt'), 'a.example\n');
  await writeFile(path.join(dir, 'ids.txt'), `${pages[5].id}\n`);
  const args = ['takedown', '--domains', 'domains.txt', '--ids', 'ids.txt', '--datasets', 'runs/site', '--state', 'runs/takedown', '--deny-list', 'runs/deny.jsonl', '--json'];

  // Another takedown holds the state folder: this one is refused and touches nothing.
  const state = path.join(dir, 'runs/takedown');
  await makeDirs(state);
  const release = await lockDataset(state);
  try {
    const refused = await kiln(args, dir);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: KILN_OUTPUT_LOCKED: .*being written by another run: pid \d+/m);
    assert.equal((await rowsOf(path.join(dir, 'runs/site'), ['id'])).length, pages.length);
  } finally {
    await release();
  }

  const td = await kiln(args, dir);
  assert.equal(td.code, 0, td.stderr);
  const gone = [pages[0].id, pages[1].id, pages[5].id].sort();
  assert.deepEqual((JSON.parse(td.stdout) as { removed: Array<{ id: string }> }).removed.map((r) => r.id).sort(), gone);
  const left = (await rowsOf(path.join(dir, 'runs/site'), ['id'])).map((r) => String(r.id)).sort();
  assert.deepEqual(left, pages.map((p) => p.id).filter((id) => !gone.includes(id)).sort());

  // The archive read again with the deny list: the 3 pages dropped as takedowns, the rest kept.
  const crawl2 = await kiln(['crawl', '--warc', 'site.warc', '--no-filter', '--deny-list', 'runs/deny.jsonl', '--out', 'runs/site2', '--json'], dir);
  assert.equal(crawl2.code, 0, crawl2.stderr);
  assert.equal((JSON.parse(crawl2.stdout) as { stats: Record<string, number> }).stats.dropped_takedown, 3);
  assert.deepEqual((await rowsOf(path.join(dir, 'runs/site2'), ['id'])).map((r) => String(r.id)).sort(), left);
  const success = JSON.parse(readFileSync(path.join(dir, 'runs/site2/_kiln/SUCCESS.json'), 'utf8')) as { stats: Record<string, number> };
  assert.equal(success.stats.dropped_takedown, 3);
});
