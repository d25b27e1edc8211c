// crawl (WARC) -> tokenize -> shard -> train with every dataset on s3:// (Ceph RGW from
// .ci/s3.sh), through the CLI: the documents, tokens and shards are the same bytes as the local
// run's; verify, inspect and status read the s3:// datasets.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openStorage } from '../../core/storage/open-storage.js';
import type { Storage } from '../../core/storage/storage.js';
import { requireSharedData } from '../core/project-paths.js';
import { freshS3Url, needS3, objectChecksums } from '../core/s3-test-bucket.js';
import { kiln } from './kiln-process.js';

/** Checksums of everything outside _kiln/ (commit records and index.json hold times and paths). */
const data = (s: Storage): Promise<Map<string, string>> => objectChecksums(s, (k) => !k.startsWith('_kiln/') && k !== 'index.json');

test('kiln crawl -> tokenize -> shard -> train on s3:// gives the local run\'s bytes', { timeout: 600_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/copycat/clueweb12-0000tw-00.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-cli-'));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url('p');
  const steps = (root: string): string[][] => [
    ['crawl', '--warc', warc, '--languages', 'all', '--no-filter', '--out', `${root}/docs`],
    ['tokenize', '--in', `${root}/docs`, '--out', `${root}/tok`, '--tokenizer', 'gpt2'],
    ['shard', '--in', `${root}/tok`, '--out', `${root}/shards`, '--seq-len', '32'],
  ];
  for (const root of [path.join(dir, 'local'), s3]) {
    for (const args of steps(root)) {
      const r = await kiln([...args, '--json'], dir, env);
      assert.equal(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
    }
  }
  for (const name of ['docs', 'tok', 'shards']) {
    const s = openStorage(`${s3}/${name}`);
    try {
      const want = await data(openStorage(path.join(dir, 'local', name)));
      assert.ok(want.size > 0, name);
      assert.deepEqual(await data(s), want, name);
    } finally {
      await s.close();
    }
  }
  for (const args of [['verify', `${s3}/tok`], ['verify', `${s3}/shards`], ['inspect', `${s3}/docs`, '--json'], ['status', `${s3}/tok`]]) {
    const r = await kiln(args, dir, env);
    assert.equal(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
  }
  const trained = await kiln(['train', '--data', `${s3}/shards`, '--out', path.join(dir, 'run'), '--steps', '2', '--json'], dir, env);
  assert.equal(trained.code, 0, trained.stderr);
});
