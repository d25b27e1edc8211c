// SIGKILL at 10 random moments (landed kills) of `kiln shard --out s3://…` while it publishes shards larger than
// the multipart part size (KILN_S3_PART_SIZE=5 MiB, shards of ~6 MiB), then the same command to
// the end: the shards and index.json equal an uninterrupted run's, and after every kill each
// object a glob reader can see outside _kiln/ (a shard, a lineage file) is named by the visible
// index.json with exactly its recorded size and checksum: nothing half-written, nothing unreferenced.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checksum } from '../../core/checksum.js';
import type { ShardIndex } from '../../core/shard-index.js';
import { PENDING_PREFIX } from '../../core/storage/committed-parts.js';
import { openStorage } from '../../core/storage/open-storage.js';
import { LEASE_KEY } from '../../core/storage/output-lease.js';
import { stagingDir } from '../../core/storage/staged-stage.js';
import type { Storage } from '../../core/storage/storage.js';
import { seededRandom } from '../../core/seeded-random.js';
import { startKiln } from '../cli/kiln-process.js';
import { EOS, makeDocs, tempDir, writeTokenDataset } from '../shard/token-datasets.js';
import { freshS3Url, needS3, objectChecksums, removeS3Bucket } from './s3-test-bucket.js';

const root = tempDir('s3-shard-kill');
const env = { KILN_S3_STAGE: path.join(root, 'stage'), KILN_S3_PART_SIZE: String(5 << 20) };

function shard(input: string, out: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>; kill: () => void } {
  const r = startKiln(['shard', '--in', input, '--out', out, '--seq-len', '256', '--eos', String(EOS), '--shard-size', '6M', '--seed', '5'], root, env);
  return { done: r.done, kill: () => r.child.kill('SIGKILL') };
}

const readJson = async <T>(s: Storage, key: string): Promise<T | undefined> => {
  const b = await s.readAll(key);
  return b ? (JSON.parse(Buffer.from(b).toString('utf8')) as T) : undefined;
};

/** index.json without the time its generation was made (the only field two runs differ in). */
const stableIndex = (i: ShardIndex | undefined): unknown => i && { ...i, generations: i.generations.map((g) => ({ ...g, created_at: undefined })) };

/** What a glob reader sees outside _kiln/ (shards, lineage files) is named by index.json with its bytes. */
async function onlyReferencedVisible(out: Storage): Promise<number> {
  const index = await readJson<ShardIndex>(out, 'index.json');
  const named = new Map<string, { bytes?: number; checksum: string }>();
  for (const split of ['train', 'val'] as const) {
    for (const s of index?.splits[split].shards ?? []) {
      named.set(s.file, s);
      if (s.lineage) named.set(s.lineage.file, { checksum: s.lineage.checksum });
    }
  }
  let visible = 0;
  for await (const o of out.list()) {
    if (o.key.startsWith(PENDING_PREFIX)) {
      assert.ok(o.key.endsWith('.pending'), `${o.key}: a pending object a glob of its extension would match`);
      continue;
    }
    if (o.key.startsWith('_kiln/') || o.key === 'index.json') continue;
    const n = named.get(o.key);
    assert.ok(n, `${o.key} is visible but the visible index.json does not name it`);
    if (n.bytes !== undefined) assert.equal(o.size, n.bytes, `${o.key}: ${o.size} bytes, index.json says ${n.bytes}`);
    assert.equal(checksum((await out.readAll(o.key))!), n.checksum, `${o.key} is not the bytes index.json names`);
    visible++;
  }
  return visible;
}

test('SIGKILL at 10 random moments of a kiln shard multipart upload to s3://, then a rerun: same shards, nothing unreferenced visible', { timeout: 1_200_000 }, async (t) => {
  if (!(await needS3(t))) return;
  // ~8 M tokens (uint16, ~16 MB): shards of ~6 MB, each a 2-part multipart upload at 5 MiB parts.
  const input = writeTokenDataset(path.join(root, 'in'), makeDocs(40_000, 18, 'doc', 400), 4000);

  const refUrl = await freshS3Url('ref');
  let t0 = Date.now();
  const first = await shard(input, refUrl).done;
  assert.equal(first.code, 0, first.stderr);
  const fullMs = Date.now() - t0;
  // The same command again finds the local generation done and only publishes: its span is the
  // window of the uploads and copies, where the kills below are aimed.
  t0 = Date.now();
  const again = await shard(input, refUrl).done;
  assert.equal(again.code, 0, again.stderr);
  const publishMs = Date.now() - t0;
  const ref = openStorage(refUrl);
  const out = openStorage(await freshS3Url('killed'));
  try {
    const want = await objectChecksums(ref, (k) => !k.startsWith('_kiln/') && k !== 'index.json');
    const wantIndex = (await readJson<ShardIndex>(ref, 'index.json'))!;
    assert.ok(wantIndex.splits.train.shards.filter((s) => s.bytes > 5 << 20).length >= 2, 'at least two shards above the 5 MiB part size');

    const rand = seededRandom(1818);
    let killed = 0;
    let finished = 0;
    let midPublish = 0;
    // The publish window's length: first the reference rerun's, then that of the latest run that
    // finished before its kill (the machine's load changes between runs, so a fixed span drifts).
    let span = publishMs;
    // As RELIABILITY.md's kill tests: the killing goes on until 10 kills have landed.
    for (let attempt = 0; killed < 10; attempt++) {
      assert.ok(attempt < 30, `only ${killed} of ${attempt} runs were killed before they finished`);
      // Before the local generation is done the run shards first (fullMs - publishMs), then
      // publishes; after it, a rerun only publishes. The moment is drawn from the publish window.
      const localDone = existsSync(path.join(stagingDir(out.url), 'index.json'));
      const before = localDone ? 0 : Math.max(0, fullMs - publishMs);
      const r = shard(input, out.url);
      const t1 = Date.now();
      await new Promise((res) => setTimeout(res, before + 50 + rand() * span * 0.9));
      r.kill();
      const res = await r.done;
      if (res.signal === 'SIGKILL') killed++;
      else {
        assert.equal(res.code, 0, res.stderr);
        finished++;
        if (localDone) span = Date.now() - t1;
      }
      await onlyReferencedVisible(out);
      for await (const _ of out.list(PENDING_PREFIX)) {
        midPublish++;
        break;
      }
      // The killed run's lease would expire in 60 s; the test removes it as that expiry would.
      await out.delete(LEASE_KEY);
    }
    t.diagnostic(`10 runs killed before their end (${finished} finished first), ${midPublish} kills while shards were pending`);
    assert.ok(midPublish >= 1, 'no kill came while a shard upload was under way');
    const last = await shard(input, out.url).done;
    assert.equal(last.code, 0, last.stderr);
    assert.equal(await onlyReferencedVisible(out), want.size);
    assert.deepEqual(await objectChecksums(out, (k) => !k.startsWith('_kiln/') && k !== 'index.json'), want);
    assert.deepEqual(stableIndex(await readJson<ShardIndex>(out, 'index.json')), stableIndex(wantIndex));
    const leftovers: string[] = [];
    for await (const o of out.list(PENDING_PREFIX)) leftovers.push(o.key);
    assert.deepEqual(leftovers, []);
  } finally {
    await Promise.all([ref.close(), out.close()]);
    await Promise.all([removeS3Bucket(ref.url), removeS3Bucket(out.url)]);
  }
});
