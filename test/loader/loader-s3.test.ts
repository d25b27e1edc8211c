// The loader over s3:// (Ceph RGW from .ci/s3.sh): batch for batch the same as over the local
// shards, exact resume from state(), and a 5 s gateway outage mid-epoch waited out by retries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import { copyTree } from '../../core/storage/copy-tree.js';
import { openStorage } from '../../core/storage/open-storage.js';
import { runShard } from '../../shard/index.js';
import { createLoader, type Batch, type LoaderOptions } from '../../train/loader/index.js';
import { projectRoot } from '../core/project-paths.js';
import { freshS3Url, needS3 } from '../core/s3-test-bucket.js';
import { EOS, VOCAB, makeDocs, tempDir, writeTokenDataset } from '../shard/token-datasets.js';

process.env.KILN_LOG = 'silent';
const SEQ = 48;
let local = '';

before(async () => {
  const root = tempDir('loader-s3');
  const input = writeTokenDataset(path.join(root, 'in'), makeDocs(3000, 5));
  local = path.join(root, 'out');
  await runShard({ inputs: [input], out: local, seqLen: SEQ, eosId: EOS, vocabSize: VOCAB, valFraction: 0.05, shardBytes: 24 * 1024, batchBytes: 3000 });
});

async function upload(): Promise<string> {
  const url = await freshS3Url('shards');
  const s3 = openStorage(url);
  try {
    await copyTree(openStorage(local), s3);
  } finally {
    await s3.close();
  }
  return url;
}

function key(b: Batch): string {
  return Array.from(b.tokens).join(',');
}

async function batches(opts: LoaderOptions, limit = Infinity, onBatch?: (n: number) => Promise<void>): Promise<{ keys: string[]; state: unknown }> {
  const loader = await createLoader(opts);
  const keys: string[] = [];
  try {
    for (let n = 0; n < limit; n++) {
      const b = await loader.next();
      if (!b) break;
      keys.push(key(b));
      await onBatch?.(n);
    }
    return { keys, state: loader.state() };
  } finally {
    await loader.close();
  }
}

test('loader over s3:// equals the local loader batch for batch, and resumes from state()', async (t) => {
  if (!(await needS3(t))) return;
  const url = await upload();
  const want = await batches({ index: local, batchSize: 16, seed: 3 });
  const got = await batches({ index: url, batchSize: 16, seed: 3 });
  assert.ok(want.keys.length > 10);
  assert.deepEqual(got.keys, want.keys);
  const val = await batches({ index: `${url}/index.json`, batchSize: 8, seed: 3, split: 'val' });
  assert.deepEqual(val.keys, (await batches({ index: local, batchSize: 8, seed: 3, split: 'val' })).keys);

  const head = await batches({ index: url, batchSize: 16, seed: 3 }, 7);
  const rest = await batches({ index: url, batchSize: 16, seed: 3, state: head.state as LoaderOptions['state'] });
  assert.deepEqual([...head.keys, ...rest.keys], want.keys);
});

test('loader over s3:// survives the gateway stopped for 5 s mid-epoch', async (t) => {
  if (!(await needS3(t))) return;
  const url = await upload();
  const want = await batches({ index: local, batchSize: 16, seed: 5, prefetch: 1 });
  let outage: Promise<number> | undefined;
  const got = await batches({ index: url, batchSize: 16, seed: 5, prefetch: 1, retries: 10, backoffMs: 250 }, Infinity, async (n) => {
    if (n !== 3) return;
    const child = spawn('bash', [path.join(projectRoot, '.ci/s3.sh'), 'outage', '5'], { stdio: ['ignore', 'ignore', 'inherit'] });
    outage = new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    // Wait until the gateway is really down before asking for more batches.
    await new Promise((r) => setTimeout(r, 1500));
  });
  assert.equal(await outage, 0, '.ci/s3.sh outage 5 failed');
  assert.deepEqual(got.keys, want.keys);
});
