import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { radixSort64 } from '../../dedupe/radix-sort.js';
import { RunReader, RunWriter, mergeRuns } from '../../dedupe/run-file.js';
import { UnionFind } from '../../dedupe/union-find.js';
import { normalizeForExact } from '../../dedupe/normalize.js';
import { exactHash } from '../../dedupe/exact-hash.js';
import { fileOfDoc, makeLayout } from '../../dedupe/signature-file.js';
import { rng } from './corpus.js';

test('radix sort orders 64-bit keys and keeps input order among equal keys', () => {
  const rand = rng(11);
  const n = 5000;
  const hi = new Uint32Array(n), lo = new Uint32Array(n), id = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hi[i] = Math.floor(rand() * 4) * 0x40000000; // few distinct hi values: ties on hi
    lo[i] = Math.floor(rand() * 300);            // and many equal (hi, lo) keys
    id[i] = i;
  }
  const ref = [...Array(n).keys()].map((i) => [hi[i], lo[i], id[i]]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  radixSort64(hi, lo, id, n);
  for (let i = 0; i < n; i++) assert.deepEqual([hi[i], lo[i], id[i]], ref[i]);
});

test('run files round-trip and merge in key order, earlier runs first on ties', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-runs-'));
  try {
    const runs = [
      [[1, 5, 10], [1, 5, 11], [2, 0, 12]],
      [[0, 9, 20], [1, 5, 21], [3, 3, 22]],
      [],
    ];
    const files = runs.map((r, i) => {
      const w = new RunWriter(path.join(dir, `r${i}`));
      for (const [h, l, d] of r) w.push(h, l, d);
      w.close();
      return path.join(dir, `r${i}`);
    });
    const seen: number[][] = [];
    mergeRuns(files.map((f) => new RunReader(f)), (h, l, d, run) => seen.push([h, l, d, run]));
    assert.deepEqual(seen, [[0, 9, 20, 1], [1, 5, 10, 0], [1, 5, 11, 0], [1, 5, 21, 1], [2, 0, 12, 0], [3, 3, 22, 1]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('union-find roots are the earliest (or latest) member', () => {
  const first = new UnionFind(10, 'first');
  first.union(7, 3);
  first.union(9, 7);
  first.union(5, 9);
  assert.equal(first.find(9), 3);
  assert.equal(first.union(5, 3), false);
  const last = new UnionFind(10, 'last');
  last.union(2, 6);
  last.union(1, 2);
  assert.equal(last.find(1), 6);
  assert.equal(last.find(4), 4);
});

test('exact normalisation folds Unicode form, case, punctuation and spacing only', () => {
  assert.equal(normalizeForExact('  Ｈｅｌｌｏ,\tWORLD!!  ﬁne\u00a0day. '), 'hello world fine day');
  const a = new Uint32Array(2), b = new Uint32Array(2);
  exactHash('The cat — sat.', a);
  exactHash('the cat sat', b);
  assert.deepEqual(a, b);
  exactHash('the cat sat down', b);
  assert.notDeepEqual(a, b);
});

test('dense layout maps documents to files, skipping empty files', () => {
  const l = makeLayout(['a', 'b', 'c', 'd'], [3, 0, 2, 4]);
  assert.deepEqual(l.starts, [0, 3, 3, 5]);
  assert.deepEqual([0, 2, 3, 4, 5, 8].map((d) => fileOfDoc(l, d)), [0, 0, 2, 2, 3, 3]);
});

test('index lock: a live holder refuses a second run, a dead holder\'s lock is taken over', async () => {
  const { lockIndex } = await import('../../dedupe/index-lock.js');
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync, existsSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-lock-'));
  try {
    const release = await lockIndex(dir);
    await assert.rejects(lockIndex(dir), { code: 'KILN_INDEX_LOCKED' });
    await release();
    assert.equal(existsSync(path.join(dir, '.lock')), false);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, '.lock'), JSON.stringify({ host: os.hostname(), pid: Number(dead), since: 'then' }));
    const again = await lockIndex(dir);
    await again();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
