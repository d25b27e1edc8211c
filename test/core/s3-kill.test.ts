// SIGKILL at 10 random moments while a dataset is written to S3 (Ceph RGW from .ci/s3.sh),
// half of its parts by multipart upload, then the same command to the end: the output equals an
// uninterrupted run's, and after every kill the committed parts are whole and exactly the
// expected bytes (a reader never sees a half-written or uncommitted part), and every object a
// `*.parquet` (or other data) glob matches, at any depth, is named by a commit record and holds
// exactly the recorded bytes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checksum } from '../../core/checksum.js';
import { committedParts, readStoredCommits, SUCCESS_KEY } from '../../core/storage/committed-parts.js';
import { openStorage } from '../../core/storage/open-storage.js';
import type { Storage } from '../../core/storage/storage.js';
import { seededRandom } from '../../core/seeded-random.js';
import { freshS3Url, needS3, objectChecksums, removeS3Bucket } from './s3-test-bucket.js';
import { CHUNKS, chunkBlocks } from './s3-part-writer.js';

const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3-part-writer.js');

function run(location: string): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [writer, location], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_V8_COVERAGE: undefined } });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  done.then((code) => code !== null && code !== 0 && console.error(err));
  return { done, kill: () => child.kill('SIGKILL') };
}

/** What a glob reader sees: every `*.parquet`/`*.bin`/`*.arrow` key is a committed part with its recorded bytes. */
async function globSeesOnlyCommitted(out: Storage): Promise<void> {
  const commits = new Map((await readStoredCommits(out)).map((c) => [c.file, c]));
  for await (const o of out.list()) {
    if (!/\.(parquet|bin|arrow)$/.test(o.key)) continue;
    const c = commits.get(o.key);
    assert.ok(c, `${o.key} is visible to a glob reader but no commit record names it`);
    assert.equal(o.size, c.bytes, `${o.key}: ${o.size} bytes, its record says ${c.bytes}`);
    assert.equal(checksum((await out.readAll(o.key))!), c.checksum, `${o.key} is not its recorded bytes`);
  }
}

/** Key -> content checksum of every object a reader could list. */
const contents = (s: Storage): Promise<Map<string, string>> => objectChecksums(s);

const chunks = Array.from({ length: CHUNKS }, (_, i) => Buffer.concat([...chunkBlocks(i)]));
const expected = chunks.map((b) => checksum(b));
const sizes = chunks.map((b) => b.length);
const totalBytes = sizes.reduce((a, b) => a + b, 0);

test('SIGKILL at 10 random moments of an S3 dataset write (multipart included), then a rerun: same output, nothing half-visible', { timeout: 900_000 }, async (t) => {
  if (!(await needS3(t))) return;
  const refUrl = await freshS3Url('ref');
  const t0 = Date.now();
  assert.equal(await run(refUrl).done, 0);
  const fullMs = Date.now() - t0;
  const ref = openStorage(refUrl);
  const want = await contents(ref);
  assert.ok(want.has(SUCCESS_KEY));
  assert.equal([...want.keys()].filter((k) => k.startsWith('part-')).length, CHUNKS);

  const url = await freshS3Url('killed');
  const out = openStorage(url);
  const rand = seededRandom(18);
  let killedBeforeEnd = 0;
  try {
    for (let k = 0; k < 10; k++) {
      // A rerun resumes, so it has only the uncommitted chunks left to write: the kill moment is
      // drawn from that run's own span (by bytes left), or a fast machine finishes every run
      // after the first few before its kill comes.
      const doneBytes = (await readStoredCommits(out)).reduce((a, c) => a + sizes[c.chunk], 0);
      const spanMs = fullMs * ((totalBytes - doneBytes) / totalBytes);
      const r = run(url);
      await new Promise((res) => setTimeout(res, 150 + rand() * spanMs * 0.8));
      r.kill();
      if ((await r.done) === null) killedBeforeEnd++;
      // What a reader trusts after the kill: committed parts, each whole and the expected bytes.
      for (const c of await committedParts(out)) {
        assert.equal(checksum((await out.readAll(c.file))!), expected[c.chunk], `committed ${c.file} is not its expected bytes`);
        assert.equal(c.checksum, expected[c.chunk]);
      }
      await globSeesOnlyCommitted(out);
    }
    assert.ok(killedBeforeEnd >= 5, `only ${killedBeforeEnd} of 10 runs were killed before they finished`);
    assert.equal(await run(url).done, 0);
    assert.deepEqual(await contents(out), want);
  } finally {
    await Promise.all([ref.close(), out.close()]);
    await Promise.all([removeS3Bucket(refUrl), removeS3Bucket(url)]);
  }
});
