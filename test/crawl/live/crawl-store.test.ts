import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CrawlStore } from '../../../crawl/live/crawl-store.js';

async function tmpStore(): Promise<{ dir: string; store: CrawlStore }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-store-'));
  const store = await CrawlStore.open(dir);
  await store.rebuild(0, false);
  return { dir, store };
}

test('URLs queued a moment ago are taken at once, in order, and never twice', async () => {
  const { dir, store } = await tmpStore();
  try {
    assert.equal(store.enqueue('http://h/1', 0), true);
    assert.equal(store.enqueue('http://h/1', 0), false, 'seen-set answers before LMDB commits');
    store.enqueue('http://h/2', 1);
    assert.deepEqual((await store.take(10)).map((q) => q.url), ['http://h/1', 'http://h/2']);
    store.enqueue('http://h/3', 1);
    await store.flush();
    store.enqueue('http://h/4', 1);
    assert.deepEqual((await store.take(1)).map((q) => q.url), ['http://h/3']);
    assert.deepEqual((await store.take(10)).map((q) => q.url), ['http://h/4']);
    assert.deepEqual(await store.take(10), []);
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('rebuild rolls back fetches of uncommitted batches, keeps committed ones, and never reuses a seq', async () => {
  const { dir, store } = await tmpStore();
  try {
    for (const u of ['a', 'b', 'c']) store.enqueue(`http://h/${u}`, 0);
    await store.take(3);
    store.markFetched('http://h/a', 1, { etag: '"a1"', lastModified: null, version: 1, hash: 'x' });
    store.markFetched('http://h/b', 2, { etag: '"b1"', lastModified: null, version: 1, hash: 'y' });
    // c was in flight: still queued in the store.
    await store.flush();
    const r = await store.rebuild(1, false);
    assert.deepEqual(r, { queued: 2, rolledBack: 1 });
    const again = await store.take(10);
    assert.deepEqual(again.map((q) => q.url).sort(), ['http://h/b', 'http://h/c']);
    const b = again.find((q) => q.url === 'http://h/b')!;
    assert.equal(b.record.version, 0, 'rolled back to the state before the lost fetch');
    assert.equal(b.record.etag, null);
    assert.equal(store.get('http://h/a')!.state, 'fetched');
    store.enqueue('http://h/d', 0);
    const d = store.get('http://h/d')!;
    assert.ok(d.seq > Math.max(...['a', 'b', 'c'].map((u) => store.get(`http://h/${u}`)!.seq)));
    // A new generation queues every fetched URL again.
    await store.flush();
    const gen = await store.rebuild(2, true);
    assert.equal(gen.queued, 4);
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
