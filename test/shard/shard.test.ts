import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Packer } from '../../shard/packer.js';
import { readShardIndexFile, runShard, verifyShards, splitOf } from '../../shard/index.js';
import type { ShardIndex } from '../../core/shard-index.js';
import { EOS, VOCAB, makeDocs, readSplitRows, tempDir, unpackRows, writeTokenDataset, type TokenDoc } from './token-datasets.js';

process.env.KILN_LOG = 'silent';
const here = path.dirname(fileURLToPath(import.meta.url));
const key = (tokens: readonly number[]): string => tokens.join(',');

function countKeys(lists: readonly number[][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lists) m.set(key(l), (m.get(key(l)) ?? 0) + 1);
  return m;
}

function splitDocs(dir: string, index: ShardIndex, split: 'train' | 'val'): number[][] {
  // Each generation's rows are one packed stream; shards of a generation are consecutive.
  const rows = readSplitRows(dir, index, split);
  const byGen = new Map<number, number[][]>();
  index.splits[split].shards.forEach((s, i) => byGen.set(s.generation, [...(byGen.get(s.generation) ?? []), ...rows[i]]));
  const docs: number[][] = [];
  for (const genRows of byGen.values()) {
    const u = unpackRows(genRows, EOS);
    assert.ok(u.overlapOk, 'each row starts with the last token of the previous row');
    docs.push(...u.docs);
  }
  return docs;
}

const base = (inputs: string[], out: string) => ({ inputs, out, seqLen: 32, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, shardBytes: 16 * 1024, batchBytes: 2048, bucketBytes: 64 * 1024 });

test('every token of every document lands exactly once, in order, and no document straddles splits', async () => {
  const root = tempDir('shard-exact');
  const docs = makeDocs(4000, 7);
  const input = writeTokenDataset(path.join(root, 'in'), docs);
  const out = path.join(root, 'out');
  const summary = await runShard(base([input], out));
  const index = readShardIndexFile(out)!;
  assert.equal(index.dtype, 'uint16');
  assert.equal(index.row_length, 33);
  const train = splitDocs(out, index, 'train');
  const val = splitDocs(out, index, 'val');
  assert.deepEqual(countKeys([...train, ...val]), countKeys(docs.map((d) => d.tokens)));
  const valKeys = new Set(val.map(key));
  const trainKeys = new Set(train.map(key));
  for (const d of docs) {
    const k = key(d.tokens);
    assert.ok(!(valKeys.has(k) && trainKeys.has(k)), `doc ${d.id} in both splits`);
    assert.equal(valKeys.has(k), splitOf(d.id, 0, 0.1) === 'val', `doc ${d.id} in the split its id hashes to`);
  }
  assert.ok(val.length > 250 && val.length < 560, `val fraction ~10% (got ${val.length}/4000)`);
  assert.equal(summary.documents.train + summary.documents.val, 4000);
  // Shards roll near the size target and record batches carry rows.
  assert.ok(index.splits.train.shards.length > 3);
  for (const s of index.splits.train.shards) {
    assert.equal(s.sequences, s.batches!.reduce((a, b) => a + b.rows, 0));
    assert.equal(statSync(path.join(out, s.file)).size, s.bytes);
  }
  await verifyShards(out);
});

test('shuffle differs from input order and is reproducible by seed', async () => {
  const root = tempDir('shard-seed');
  const docs = makeDocs(2000, 3);
  const input = writeTokenDataset(path.join(root, 'in'), docs);
  const run = async (name: string, seed: number) => {
    const out = path.join(root, name);
    await runShard({ ...base([input], out), seed, valFraction: 0 });
    const index = readShardIndexFile(out)!;
    return { index, docs: splitDocs(out, index, 'train') };
  };
  const a = await run('a', 11);
  const b = await run('b', 11);
  const c = await run('c', 12);
  assert.deepEqual(a.index.splits.train.shards.map((s) => s.checksum), b.index.splits.train.shards.map((s) => s.checksum));
  assert.notDeepEqual(a.docs.map(key), c.docs.map(key));
  const inputOrder = docs.map((d) => key(d.tokens));
  assert.notDeepEqual(a.docs.map(key), inputOrder);
  // Not just a rotation or a few swaps: most neighbours in the input are not neighbours in the shards.
  const pos = new Map(a.docs.map((d, i) => [key(d), i]));
  let adjacent = 0;
  for (let i = 1; i < inputOrder.length; i++) if (pos.get(inputOrder[i])! === pos.get(inputOrder[i - 1])! + 1) adjacent++;
  assert.ok(adjacent < 50, `input neighbours kept together: ${adjacent}`);
});

test('weighted mixtures up- and down-sample by document', async () => {
  const root = tempDir('shard-mix');
  const a = makeDocs(600, 21, 'a');
  const b = makeDocs(1200, 22, 'b').map((d) => ({ ...d, tokens: [997, ...d.tokens] }));
  const out = path.join(root, 'out');
  await runShard({ ...base([writeTokenDataset(path.join(root, 'a'), a), writeTokenDataset(path.join(root, 'b'), b)], out), weights: [2, 0.5] });
  const index = readShardIndexFile(out)!;
  const got = countKeys([...splitDocs(out, index, 'train'), ...splitDocs(out, index, 'val')]);
  for (const d of a) assert.equal(got.get(key(d.tokens)), 2, `weight 2: doc ${d.id} twice`);
  let kept = 0;
  for (const d of b) {
    const n = got.get(key(d.tokens)) ?? 0;
    assert.ok(n <= 1);
    kept += n;
  }
  assert.ok(kept > 480 && kept < 720, `weight 0.5 keeps about half of 1200 (got ${kept})`);
  await assert.rejects(runShard({ ...base([path.join(root, 'a')], path.join(root, 'x')), weights: [1, 2] }), { code: 'KILN_USAGE' });
});

test('a new generation appends shards; the old index and its files stay valid', async () => {
  const root = tempDir('shard-gen');
  const first = writeTokenDataset(path.join(root, 'in1'), makeDocs(1500, 31, 'g1'));
  const out = path.join(root, 'out');
  await runShard(base([first], out));
  const oldText = readFileSync(path.join(out, 'index.json'), 'utf8');
  const old = JSON.parse(oldText) as ShardIndex;
  const again = await runShard(base([first], out));
  assert.equal(again.upToDate, true);
  assert.equal(readFileSync(path.join(out, 'index.json'), 'utf8'), oldText);

  const second = writeTokenDataset(path.join(root, 'in2'), makeDocs(800, 32, 'g2'));
  const s2 = await runShard(base([first, second], out));
  assert.equal(s2.generation, 1);
  assert.equal(s2.documents.train + s2.documents.val, 800);
  const index = readShardIndexFile(out)!;
  assert.equal(index.generations.length, 2);
  const names = new Set(index.splits.train.shards.map((s) => s.file));
  for (const s of old.splits.train.shards) assert.ok(names.has(s.file));
  // Files the old index names are untouched: a reader of the old index still verifies.
  writeFileSync(path.join(root, 'old-index.json'), oldText);
  for (const s of old.splits.train.shards) assert.equal(statSync(path.join(out, s.file)).size, s.bytes);
  const allDocs = [...splitDocs(out, index, 'train'), ...splitDocs(out, index, 'val')];
  assert.equal(allDocs.length, 2300);
  await verifyShards(out);
  await assert.rejects(runShard({ ...base([path.join(root, 'in3-missing')], out) }), { code: 'KILN_USAGE' });
  const third = writeTokenDataset(path.join(root, 'in3'), makeDocs(10, 33, 'g3'));
  await assert.rejects(runShard({ ...base([third], out), seqLen: 64 }), { code: 'KILN_CONFIG_CHANGED' });
});

test('SIGKILL during a run, then rerun, gives the same shards as an uninterrupted run', async () => {
  const root = tempDir('shard-kill');
  const input = writeTokenDataset(path.join(root, 'in'), makeDocs(30000, 41), 3000);
  const cfg = (out: string) => ({ ...base([input], out), shardBytes: 8192, batchBytes: 1024 });
  const ref = path.join(root, 'ref');
  await runShard(cfg(ref));
  const out = path.join(root, 'out');
  for (const waitFor of ['buckets', 'pack-train.json']) {
    const child = spawn(process.execPath, [path.join(here, 'shard-child.js'), JSON.stringify(cfg(out))], { stdio: 'ignore', env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_LOG: 'silent' } });
    const genDir = path.join(out, '_kiln', 'shard', 'gen-0000');
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(genDir, waitFor)) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // The kills landed mid-run: packing had started and nothing was published yet.
  assert.ok(existsSync(path.join(out, '_kiln', 'shard', 'gen-0000', 'pack-train.json')), 'killed during packing');
  assert.ok(!existsSync(path.join(out, 'index.json')), 'killed before the index was published');
  await runShard(cfg(out));
  const a = readShardIndexFile(ref)!;
  const b = readShardIndexFile(out)!;
  for (const split of ['train', 'val'] as const) {
    assert.deepEqual(b.splits[split].shards.map((s) => [s.file, s.checksum, s.sequences]), a.splits[split].shards.map((s) => [s.file, s.checksum, s.sequences]));
  }
  const arrowFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.arrow')).sort();
  assert.deepEqual(arrowFiles(out), arrowFiles(ref));
  assert.ok(!existsSync(path.join(out, '_kiln', 'shard', 'gen-0000')), 'state of the finished generation removed');
});

test('corrupt or truncated shards are named in the error', async () => {
  const root = tempDir('shard-corrupt');
  const out = path.join(root, 'out');
  await runShard(base([writeTokenDataset(path.join(root, 'in'), makeDocs(1000, 51))], out));
  const index = readShardIndexFile(out)!;
  const victim = path.join(out, index.splits.train.shards[1].file);
  const bytes = readFileSync(victim);
  bytes[index.splits.train.shards[1].batches![0].offset + 3] ^= 0xff;
  writeFileSync(victim, bytes);
  await assert.rejects(verifyShards(out), (err: Error & { code?: string; path?: string }) => err.code === 'KILN_CORRUPT_PART' && err.path === victim && err.message.includes(victim));
  const other = path.join(out, index.splits.train.shards[2].file);
  truncateSync(other, 100);
  bytes[index.splits.train.shards[1].batches![0].offset + 3] ^= 0xff;
  writeFileSync(victim, bytes);
  await assert.rejects(verifyShards(out), (err: Error & { code?: string }) => err.code === 'KILN_CORRUPT_PART' && err.message.includes(other) && /truncated/.test(err.message));
});

test('nanoGPT and Megatron exports hold every document once followed by EOS', async () => {
  const root = tempDir('shard-export');
  const docs = makeDocs(700, 61);
  const input = writeTokenDataset(path.join(root, 'in'), docs);
  const nano = path.join(root, 'nano');
  await runShard({ ...base([input], nano), format: 'nanogpt' });
  const stream = (file: string) => {
    const b = readFileSync(file);
    return Array.from(new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2));
  };
  const toDocs = (s: number[]) => unpackRows([s], EOS).docs;
  const nanoDocs = [...toDocs(stream(path.join(nano, 'train.bin'))), ...toDocs(stream(path.join(nano, 'val.bin')))];
  assert.deepEqual(countKeys(nanoDocs), countKeys(docs.map((d) => d.tokens)));

  const meg = path.join(root, 'meg');
  await runShard({ ...base([input], meg), format: 'megatron', valFraction: 0 });
  const idx = readFileSync(path.join(meg, 'train.idx'));
  assert.equal(idx.subarray(0, 9).toString('latin1'), 'MMIDIDX\x00\x00');
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  assert.equal(view.getBigUint64(9, true), 1n);
  assert.equal(view.getUint8(17), 8);
  const n = Number(view.getBigUint64(18, true));
  assert.equal(n, 700);
  assert.equal(Number(view.getBigUint64(26, true)), 701);
  const sizes = new Int32Array(idx.buffer.slice(idx.byteOffset + 34, idx.byteOffset + 34 + 4 * n));
  const ptrs = new BigInt64Array(idx.buffer.slice(idx.byteOffset + 34 + 4 * n, idx.byteOffset + 34 + 12 * n));
  const bin = stream(path.join(meg, 'train.bin'));
  const megDocs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const start = Number(ptrs[i]) / 2;
    assert.equal(bin[start + sizes[i] - 1], EOS);
    megDocs.push(bin.slice(start, start + sizes[i] - 1));
  }
  assert.deepEqual(countKeys(megDocs), countKeys(docs.map((d) => d.tokens)));
  assert.equal(idx.byteLength, 34 + 12 * n + 8 * (n + 1));
});

test('property: the packer loses, adds or reorders no token and overlaps rows by one', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 998 }), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 2, max: 17 }), (docs: number[][], rowLength: number) => {
      const rows: number[][] = [];
      const packer = new Packer(rowLength, EOS, { row: (t) => rows.push(Array.from(t)) }, 'uint16');
      for (const d of docs) packer.push(d);
      const pad = packer.finish();
      for (const r of rows) assert.equal(r.length, rowLength);
      const u = unpackRows(rows, EOS);
      assert.ok(u.overlapOk);
      assert.deepEqual(u.docs, docs);
      const total = docs.reduce((a, d) => a + d.length + 1, 0);
      assert.equal(rows.length, Math.max(1, Math.ceil((total - 1) / (rowLength - 1))));
      assert.equal(rows.length * (rowLength - 1) + 1 - pad, total);
    }),
    { numRuns: 300 },
  );
});

test('property: packing resumed from a state snapshot equals packing straight through', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 998 }), { minLength: 1, maxLength: 30 }), { minLength: 2, maxLength: 20 }), fc.integer({ min: 2, max: 12 }), fc.nat(), (docs: number[][], rowLength: number, cut: number) => {
      const at = 1 + (cut % (docs.length - 1));
      const straight: number[][] = [];
      const p1 = new Packer(rowLength, EOS, { row: (t) => straight.push(Array.from(t)) }, 'uint32');
      docs.forEach((d) => p1.push(d));
      p1.finish();
      const resumed: number[][] = [];
      const p2 = new Packer(rowLength, EOS, { row: (t) => resumed.push(Array.from(t)) }, 'uint32');
      docs.slice(0, at).forEach((d) => p2.push(d));
      const state = JSON.parse(JSON.stringify(p2.state()));
      const p3 = new Packer(rowLength, EOS, { row: (t) => resumed.push(Array.from(t)) }, 'uint32', state);
      docs.slice(at).forEach((d) => p3.push(d));
      p3.finish();
      assert.deepEqual(resumed, straight);
    }),
    { numRuns: 200 },
  );
});

test('tokens outside the vocabulary and a missing EOS are refused with the file named', async () => {
  const root = tempDir('shard-bad');
  const bad: TokenDoc[] = [{ id: 'x', tokens: [1, 2, 5000] }];
  const input = writeTokenDataset(path.join(root, 'in'), bad);
  await assert.rejects(runShard(base([input], path.join(root, 'out'))), (err: Error & { code?: string }) => err.code === 'KILN_CORRUPT_INPUT' && err.message.includes('part-00000.parquet'));
  await assert.rejects(runShard({ inputs: [input], out: path.join(root, 'o2'), seqLen: 8 }), { code: 'KILN_USAGE' });
});

test('the pipeline stage runs one inline task and appends generations to appendTo', async () => {
  const { runStage } = await import('../../core/run-stage.js');
  const { shardStage } = await import('../../shard/index.js');
  const root = tempDir('shard-stage');
  const shards = path.join(root, 'state-shards');
  const in1 = writeTokenDataset(path.join(root, 'in1'), makeDocs(300, 91, 's1'));
  const cfg = { seqLen: 16, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, appendTo: shards };
  const s1 = await runStage(shardStage, { inputs: [in1], out: path.join(root, 'gen1'), config: cfg, quiet: true });
  assert.equal(s1.tasks, 1);
  assert.equal((s1.stats.documents_train ?? 0) + (s1.stats.documents_val ?? 0), 300);
  const in2 = writeTokenDataset(path.join(root, 'in2'), makeDocs(200, 92, 's2'));
  await runStage(shardStage, { inputs: [in2], out: path.join(root, 'gen2'), config: cfg, quiet: true });
  const index = readShardIndexFile(shards)!;
  assert.equal(index.generations.length, 2);
  assert.equal([...splitDocs(shards, index, 'train'), ...splitDocs(shards, index, 'val')].length, 500);
});

test('EOS, vocabulary and tokenizer identity come from the tokens dataset; mixed tokenizers are refused', async () => {
  const { mkdirSync } = await import('node:fs');
  const root = tempDir('shard-tok');
  const withTokenizer = (name: string, hash: string, seed: number) => {
    const dir = writeTokenDataset(path.join(root, name), makeDocs(100, seed, name));
    mkdirSync(path.join(dir, '_kiln', 'tokenize'), { recursive: true });
    writeFileSync(path.join(dir, '_kiln', 'tokenize', 'info.json'), JSON.stringify({ name: 'toy', hash, vocabSize: VOCAB, eosId: EOS }));
    return dir;
  };
  const a = withTokenizer('a', 'hash-a', 1);
  const out = path.join(root, 'out');
  await runShard({ inputs: [a], out, seqLen: 16 });
  const index = readShardIndexFile(out)!;
  assert.deepEqual(index.tokenizer, { name: 'toy', hash: 'hash-a' });
  assert.equal(index.eos_id, EOS);
  assert.equal(index.vocab_size, VOCAB);
  const b = withTokenizer('b', 'hash-b', 2);
  await assert.rejects(runShard({ inputs: [a, b], out: path.join(root, 'o2'), seqLen: 16 }), { code: 'KILN_CONFIG' });
  await assert.rejects(runShard({ inputs: [b], out, seqLen: 16 }), { code: 'KILN_CONFIG_CHANGED' });
});
