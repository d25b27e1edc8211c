import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import fc from 'fast-check';
import type { ShardIndex } from '../../core/shard-index.js';
import { seededRandom } from '../../core/seeded-random.js';
import { readShardIndexFile, runShard } from '../../shard/index.js';
import { createLoader, planEpoch, type Batch, type Chunk, type LoaderOptions } from '../../train/loader/index.js';
import { EOS, VOCAB, makeDocs, readSplitRows, tempDir, writeTokenDataset } from '../shard/token-datasets.js';
import { serveDir } from './shard-server.js';

process.env.KILN_LOG = 'silent';
let out = '';
let index: ShardIndex;
let fileRows: string[] = [];
const SEQ = 48;

before(async () => {
  const root = tempDir('loader');
  const input = writeTokenDataset(path.join(root, 'in'), makeDocs(3000, 5));
  out = path.join(root, 'out');
  await runShard({ inputs: [input], out, seqLen: SEQ, eosId: EOS, vocabSize: VOCAB, valFraction: 0.05, shardBytes: 24 * 1024, batchBytes: 3000 });
  index = readShardIndexFile(out)!;
  fileRows = readSplitRows(out, index, 'train').flat().map((r) => r.join(','));
});

function rowsOf(batch: Batch): string[] {
  const rows: string[] = [];
  for (let i = 0; i < batch.batchSize; i++) rows.push(Array.from(batch.tokens.subarray(i * batch.rowLength, (i + 1) * batch.rowLength)).join(','));
  return rows;
}

async function drain(opts: LoaderOptions, limit = Infinity): Promise<{ rows: string[]; sizes: number[]; loader: Awaited<ReturnType<typeof createLoader>> }> {
  const loader = await createLoader(opts);
  const rows: string[] = [];
  const sizes: number[] = [];
  for (let n = 0; n < limit; n++) {
    const b = await loader.next();
    if (!b) break;
    assert.equal(b.rowLength, loader.seqLen + 1);
    assert.equal(b.tokens.length, b.batchSize * b.rowLength);
    rows.push(...rowsOf(b));
    sizes.push(b.batchSize);
  }
  return { rows, sizes, loader };
}

const sorted = (xs: string[]): string[] => [...xs].sort();

test('one epoch hands out every row exactly once, shuffled, the same for the same seed and epoch', async () => {
  const a = await drain({ index: out, batchSize: 16, seed: 1 });
  assert.equal(await a.loader.next(), null);
  assert.deepEqual(sorted(a.rows), sorted(fileRows));
  assert.notDeepEqual(a.rows, fileRows);
  const c = a.loader.counters();
  assert.equal(c.batches, a.sizes.length);
  assert.equal(c.tokens, fileRows.length * SEQ);
  assert.ok(c.bytesRead >= fileRows.length * (SEQ + 1) * 2);
  assert.equal(a.loader.seqLen, SEQ);
  assert.equal(a.loader.vocabSize, VOCAB);
  assert.equal(a.loader.eosId, EOS);
  await a.loader.close();
  const b = await drain({ index: path.join(out, 'index.json'), batchSize: 16, seed: 1 });
  assert.deepEqual(b.rows, a.rows);
  const e1 = await drain({ index: out, batchSize: 16, seed: 1, epoch: 1 });
  assert.notDeepEqual(e1.rows, a.rows);
  assert.deepEqual(sorted(e1.rows), sorted(fileRows));
  await Promise.all([b.loader.close(), e1.loader.close()]);
});

test('ranks 0..k-1 partition the epoch', async () => {
  for (const worldSize of [2, 3, 5]) {
    const all: string[] = [];
    const counts: number[] = [];
    for (let rank = 0; rank < worldSize; rank++) {
      const r = await drain({ index: out, batchSize: 7, seed: 9, rank, worldSize });
      all.push(...r.rows);
      counts.push(r.rows.length);
      await r.loader.close();
    }
    assert.deepEqual(sorted(all), sorted(fileRows), `world ${worldSize}: disjoint and complete`);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
  }
  const dropped = await drain({ index: out, batchSize: 7, seed: 9, rank: 1, worldSize: 3, dropLast: true });
  assert.ok(dropped.sizes.every((s) => s === 7));
  await dropped.loader.close();
});

test('resuming from state() at a random batch reproduces the rest of the epoch', async () => {
  const full = await drain({ index: out, batchSize: 5, seed: 4, rank: 1, worldSize: 2 });
  await full.loader.close();
  const rnd = seededRandom(Number(process.env.KILN_TEST_SEED ?? 77));
  const randomCut = 1 + Math.floor(rnd() * (full.sizes.length - 2));
  for (const cut of [0, 1, randomCut, full.sizes.length - 1]) {
    const first = await drain({ index: out, batchSize: 5, seed: 4, rank: 1, worldSize: 2 }, cut);
    const state = JSON.parse(JSON.stringify(first.loader.state()));
    await first.loader.close();
    // Options other than the state's own must not matter: seed and epoch come from the state.
    const rest = await drain({ index: out, batchSize: 5, seed: 999, epoch: 3, rank: 1, worldSize: 2, state });
    assert.deepEqual([...first.rows, ...rest.rows], full.rows, `cut at batch ${cut}`);
    await rest.loader.close();
  }
  await assert.rejects(createLoader({ index: out, batchSize: 5, rank: 0, worldSize: 2, state: (await drain({ index: out, batchSize: 5, rank: 1, worldSize: 2 }, 0)).loader.state() }), { code: 'KILN_USAGE' });
});

test('loading over HTTP with range requests equals loading the local files', async () => {
  const server = await serveDir(out);
  try {
    const local = await drain({ index: out, batchSize: 8, seed: 2, split: 'val' });
    const remote = await drain({ index: `${server.url}/`, batchSize: 8, seed: 2, split: 'val' });
    assert.ok(remote.rows.length > 0);
    assert.deepEqual(remote.rows, local.rows);
    const t1 = await drain({ index: `${server.url}/index.json`, batchSize: 8, seed: 2 });
    const t0 = await drain({ index: out, batchSize: 8, seed: 2 });
    assert.deepEqual(t1.rows, t0.rows);
    assert.ok(server.rangeRequests > index.splits.train.shards.length);
    server.failNext(2);
    const retried = await drain({ index: `${server.url}/index.json`, batchSize: 8, seed: 2, split: 'val', backoffMs: 1 });
    assert.deepEqual(retried.rows, local.rows);
    await Promise.all([local, remote, t1, t0, retried].map((r) => r.loader.close()));
  } finally {
    await server.close();
  }
});

test('release() hands batch memory back: later batches are unchanged, a released batch is detached', async () => {
  const opts = { index: out, batchSize: 9, seed: 6 };
  const plain = await drain(opts);
  const loader = await createLoader(opts);
  const rows: string[] = [];
  const held: Array<{ batch: Batch; rows: string[] }> = [];
  for (let n = 0, b = await loader.next(); b; n++, b = await loader.next()) {
    rows.push(...rowsOf(b));
    // Keep every third batch (as a consumer still using it would); release the others.
    if (n % 3 === 0) held.push({ batch: b, rows: rowsOf(b) });
    else loader.release(b);
  }
  assert.deepEqual(rows, plain.rows);
  assert.ok(held.length > 3);
  // Batches never released still hold their rows: recycling reuses released buffers only.
  for (const h of held) assert.deepEqual(rowsOf(h.batch), h.rows);
  const last = held[held.length - 1].batch;
  loader.release(last);
  assert.equal(last.tokens.length, 0);
  assert.throws(() => loader.release(last), { code: 'KILN_USAGE' });
  await Promise.all([loader.close(), plain.loader.close()]);
});

test('a server that ignores Range: whole-file GETs, one per shard, same batches and exact resume as local files', async () => {
  const server = await serveDir(out, { ignoreRange: true });
  try {
    const opts = { batchSize: 6, seed: 3, rank: 1, worldSize: 2 };
    const local = await drain({ index: out, ...opts });
    const remote = await drain({ index: `${server.url}/`, ...opts });
    assert.ok(remote.rows.length > 0);
    assert.deepEqual(remote.sizes, local.sizes, 'batch for batch');
    assert.deepEqual(remote.rows, local.rows);
    assert.equal(server.rangeRequests, 0);
    // Each shard is streamed once per loader, not once per record batch.
    for (const shard of index.splits.train.shards) assert.equal(server.requestsByPath.get(`/${shard.file}`), 1, shard.file);
    const cut = Math.floor(local.sizes.length / 2);
    const first = await drain({ index: `${server.url}/index.json`, ...opts }, cut);
    const rest = await drain({ index: `${server.url}/index.json`, ...opts, state: first.loader.state() });
    assert.deepEqual([...first.rows, ...rest.rows], local.rows);
    await Promise.all([local, remote, first, rest].map((r) => r.loader.close()));
  } finally {
    await server.close();
  }
});

test('a corrupt or truncated shard fails next() with the file named', async () => {
  const root = tempDir('loader-corrupt');
  const dir = path.join(root, 'out');
  await runShard({ inputs: [writeTokenDataset(path.join(root, 'in'), makeDocs(600, 8))], out: dir, seqLen: 16, eosId: EOS, vocabSize: VOCAB, valFraction: 0, shardBytes: 8192, batchBytes: 1024 });
  const idx = readShardIndexFile(dir)!;
  const victim = path.join(dir, idx.splits.train.shards[0].file);
  const bytes = readFileSync(victim);
  bytes[idx.splits.train.shards[0].batches![1].offset] ^= 0x01;
  writeFileSync(victim, bytes);
  const failing = async (p: string) => {
    const loader = await createLoader({ index: dir, batchSize: 4 });
    try {
      await assert.rejects(
        (async () => {
          while (await loader.next());
        })(),
        (err: Error & { code?: string }) => err.code === 'KILN_CORRUPT_PART' && err.message.includes(p),
      );
    } finally {
      await loader.close();
    }
  };
  await failing(victim);
  bytes[idx.splits.train.shards[0].batches![1].offset] ^= 0x01;
  writeFileSync(victim, bytes);
  const other = path.join(dir, idx.splits.train.shards[1].file);
  truncateSync(other, idx.splits.train.shards[1].bytes - 10);
  await failing(other);
});

test('property: rank slices of an epoch partition its rows in order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 9 }), fc.nat(), (sizes: number[], worldSize: number, seed: number) => {
      const chunks: Chunk[] = sizes.map((rows, id) => ({ shard: 0, id, offset: 0, rows, checksum: '' }));
      const total = sizes.reduce((a, b) => a + b, 0);
      let expectLo = 0;
      for (let rank = 0; rank < worldSize; rank++) {
        const plan = planEpoch(chunks, seed, 0, rank, worldSize);
        assert.equal(plan.total, total);
        assert.equal(plan.lo, expectLo);
        assert.ok(plan.hi - plan.lo >= Math.floor(total / worldSize) && plan.hi - plan.lo <= Math.ceil(total / worldSize));
        expectLo = plan.hi;
        assert.deepEqual(sorted(plan.chunks.map((c) => String(c.id))), sorted(chunks.map((c) => String(c.id))));
      }
      assert.equal(expectLo, total);
    }),
    { numRuns: 300 },
  );
});

test('a new generation does not disturb a reader of the old index or a resumed epoch', async () => {
  const root = tempDir('loader-gen');
  const dir = path.join(root, 'out');
  const cfg = (inputs: string[]) => ({ inputs, out: dir, seqLen: 16, eosId: EOS, vocabSize: VOCAB, valFraction: 0, shardBytes: 8192, batchBytes: 1024 });
  const in1 = writeTokenDataset(path.join(root, 'in1'), makeDocs(500, 71, 'a'));
  await runShard(cfg([in1]));
  writeFileSync(path.join(dir, 'index-before.json'), readFileSync(path.join(dir, 'index.json')));
  const before = await drain({ index: dir, batchSize: 4, seed: 5 });
  const half = await drain({ index: dir, batchSize: 4, seed: 5 }, Math.floor(before.sizes.length / 2));
  const state = half.loader.state();
  await runShard(cfg([in1, writeTokenDataset(path.join(root, 'in2'), makeDocs(300, 72, 'b'))]));
  const old = await drain({ index: path.join(dir, 'index-before.json'), batchSize: 4, seed: 5 });
  assert.deepEqual(old.rows, before.rows);
  const rest = await drain({ index: dir, batchSize: 4, seed: 5, state });
  assert.deepEqual([...half.rows, ...rest.rows], before.rows);
  const grown = await drain({ index: dir, batchSize: 4, seed: 5 });
  assert.ok(grown.rows.length > before.rows.length);
  await Promise.all([before, half, old, rest, grown].map((r) => r.loader.close()));
});

test('vocabularies above 65536 use uint32 shards end to end', async () => {
  const root = tempDir('loader-u32');
  const big = 100_000;
  const docs = makeDocs(400, 73).map((d) => ({ ...d, tokens: d.tokens.map((t, i) => (i % 3 === 0 ? t + 70_000 : t)) }));
  const dir = path.join(root, 'out');
  await runShard({ inputs: [writeTokenDataset(path.join(root, 'in'), docs)], out: dir, seqLen: 20, eosId: big - 1, vocabSize: big, valFraction: 0, shardBytes: 8192, batchBytes: 2048 });
  const idx = readShardIndexFile(dir)!;
  assert.equal(idx.dtype, 'uint32');
  const fromFiles = readSplitRows(dir, idx, 'train').flat().map((r) => r.join(','));
  assert.ok(fromFiles.some((r) => r.split(',').some((t) => Number(t) >= 70_000)));
  const r = await drain({ index: dir, batchSize: 6, seed: 8 });
  assert.deepEqual(sorted(r.rows), sorted(fromFiles));
  await r.loader.close();
});

test('a program run as node --input-type=module -e gets batches with for await (worker execArgv filtered)', () => {
  const entry = new URL('../../index.js', import.meta.url).href;
  const script = `import { createLoader } from '${entry}'; const l = await createLoader({ index: ${JSON.stringify(out)}, batchSize: 8 }); let n = 0; for await (const b of l) n += b.batchSize; console.log(n);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(Number(r.stdout.trim()), index.splits.train.sequences);
});
