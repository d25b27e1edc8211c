// Stages with s3:// inputs and outputs (runStage stages them through local disk and publishes
// in commit order): the same objects, byte for byte, as the local run, and a second stage reads
// the first one's s3:// output.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runStage } from '../../core/run-stage.js';
import { openStorage } from '../../core/storage/open-storage.js';
import type { Storage } from '../../core/storage/storage.js';
import { writeJsonlCorpus } from './corpus.js';
import { freshS3Url, needS3, objectChecksums } from './s3-test-bucket.js';
import { toyStage } from './toy-stage.js';

process.env.KILN_LOG = 'silent';

/** Checksums of the parts (commit records hold a time and dataset.json input paths, which differ by run). */
const dataObjects = (s: Storage): Promise<Map<string, string>> => objectChecksums(s, (k) => k.startsWith('part-'));

async function list(s: Storage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s.list(prefix)) keys.push(o.key);
  return keys;
}

test('a stage writes to s3:// and reads from s3:// with the same parts as on local disk', { timeout: 300_000 }, async (t) => {
  if (!(await needS3(t))) return;
  process.env.KILN_S3_STAGE = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-stage-'));
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-stage-s3-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 3, 200, 4);
  const local1 = path.join(dir, 'one');
  const local2 = path.join(dir, 'two');
  await runStage(toyStage, { inputs, out: local1, tasks: 3, workers: 1, quiet: true });
  await runStage(toyStage, { inputs: [local1], out: local2, tasks: 2, workers: 1, quiet: true });

  const url1 = await freshS3Url('one');
  const url2 = await freshS3Url('two');
  const s1 = await runStage(toyStage, { inputs, out: url1, tasks: 3, workers: 1, quiet: true });
  assert.equal(s1.out, url1);
  const s2 = await runStage(toyStage, { inputs: [url1], out: url2, tasks: 2, workers: 1, quiet: true });
  assert.equal(s2.rows, s1.rows);
  const [a1, a2, b1, b2] = [openStorage(local1), openStorage(local2), openStorage(url1), openStorage(url2)];
  try {
    const want1 = await dataObjects(a1);
    assert.ok([...want1.keys()].some((k) => k.startsWith('part-')));
    assert.deepEqual(await dataObjects(b1), want1);
    assert.deepEqual(await dataObjects(b2), await dataObjects(a2));
    assert.ok(await b2.stat('_kiln/SUCCESS.json'));
    assert.deepEqual((await list(b1, '_kiln/commits/')).length, (await list(a1, '_kiln/commits/')).length);
    assert.equal(await b2.stat('_kiln/lock'), undefined);
    // A second run on a finished s3:// output is a no-op that keeps it.
    const again = await runStage(toyStage, { inputs, out: url1, tasks: 3, workers: 1, quiet: true });
    assert.equal(again.skipped, true);
  } finally {
    await Promise.all([b1.close(), b2.close()]);
  }
});
