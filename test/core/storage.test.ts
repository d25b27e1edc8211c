// Local directories and S3 prefixes behave the same behind the Storage interface: listing,
// ranged reads, streaming (multipart) writes, conditional create, delete, and the commit
// protocol's reader check.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { PENDING_PREFIX, commitKey, committedParts, pendingKey, removeUncommittedParts, resumeCommittedParts, writeCommittedPart } from '../../core/storage/committed-parts.js';
import { copyTree } from '../../core/storage/copy-tree.js';
import { openStorage } from '../../core/storage/open-storage.js';
import { takeOutputLease } from '../../core/storage/output-lease.js';
import { parseS3Url, resolveS3Connect } from '../../core/storage/s3-location.js';
import type { Storage } from '../../core/storage/storage.js';
import { freshS3Url, needS3 } from './s3-test-bucket.js';

process.env.KILN_LOG = 'silent';

async function localRoot(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-storage-'));
}

/** 13 MiB in 1 MiB chunks: above the 5 MiB part size, so S3 writes it as a multipart upload. */
function bigBody(seed: number): { bytes: Buffer; stream: () => Readable } {
  const chunks = Array.from({ length: 13 }, (_, i) => Buffer.alloc(1 << 20, (seed + i) % 251));
  chunks[3] = randomBytes(1 << 20);
  const bytes = Buffer.concat(chunks);
  return { bytes, stream: () => Readable.from(chunks) };
}

async function behaves(s: Storage): Promise<void> {
  const small = await s.write('a/one.txt', 'hello storage');
  assert.equal(small.size, 13);
  const big = bigBody(7);
  const info = await s.write('b/big.bin', big.stream());
  assert.equal(info.size, big.bytes.length);
  assert.ok(Buffer.from(await s.readRange('b/big.bin', 5_000_000, 3_000_000)).equals(big.bytes.subarray(5_000_000, 8_000_000)));
  assert.ok(Buffer.from((await s.readAll('b/big.bin'))!).equals(big.bytes));
  assert.equal(await s.readAll('missing'), undefined);
  await assert.rejects(s.readRange('a/one.txt', 10, 10), /truncated/);

  assert.equal(await s.createIfAbsent('_kiln/lock', 'first'), true);
  assert.equal(await s.createIfAbsent('_kiln/lock', 'second'), false);
  assert.equal(Buffer.from((await s.readAll('_kiln/lock'))!).toString(), 'first');

  const keys: string[] = [];
  for await (const o of s.list()) keys.push(o.key);
  assert.deepEqual(keys, ['_kiln/lock', 'a/one.txt', 'b/big.bin']);
  const under: string[] = [];
  for await (const o of s.list('a/')) under.push(o.key);
  assert.deepEqual(under, ['a/one.txt']);

  const streamed: Buffer[] = [];
  for await (const c of await s.openRead('b/big.bin', 12 << 20)) streamed.push(c as Buffer);
  assert.ok(Buffer.concat(streamed).equals(big.bytes.subarray(12 << 20)));

  await s.delete('a/one.txt');
  await s.delete('a/one.txt');
  assert.equal(await s.stat('a/one.txt'), undefined);

  const copied = await s.copy('b/big.bin', 'c/big.bin', { ifMatch: info.etag });
  assert.equal(copied.size, big.bytes.length);
  assert.ok(Buffer.from((await s.readAll('c/big.bin'))!).equals(big.bytes));
  await assert.rejects(s.copy('missing', 'c/none'), (err: { code?: string }) => err.code === 'KILN_CORRUPT_PART');
}

async function commitProtocol(s: Storage): Promise<void> {
  const body0 = bigBody(1);
  const c0 = await writeCommittedPart(s, 0, 0, body0.stream(), { rows: 10, cursor: { row: 10 } });
  await writeCommittedPart(s, 1, 0, 'small part', { rows: 1, cursor: { row: 1 } });
  // Nothing left under a pending name once a part is written.
  const pendingLeft: string[] = [];
  for await (const o of s.list(PENDING_PREFIX)) pendingLeft.push(o.key);
  assert.deepEqual(pendingLeft, []);
  // A killed rerun's leftovers: a part with no commit record, and a pending upload with none.
  await s.write('part-00002-0000.parquet', 'uncommitted');
  await s.write(pendingKey('part-00003-0000.parquet'), 'half');
  const parts = await committedParts(s);
  assert.deepEqual(parts.map((p) => p.file), ['part-00000-0000.parquet', 'part-00001-0000.parquet']);
  assert.equal(parts[0].bytes, 13 << 20);
  assert.equal(parts[0].etag, c0.etag);
  assert.ok(Buffer.from((await s.readAll('part-00000-0000.parquet'))!).equals(body0.bytes));
  assert.deepEqual(await removeUncommittedParts(s), ['part-00002-0000.parquet', pendingKey('part-00003-0000.parquet')]);
  // Killed between a record and its copy: the reader leaves the record out; a resume copies it.
  await s.write(pendingKey('part-00004-0000.parquet'), 'in flight');
  const pend = (await s.stat(pendingKey('part-00004-0000.parquet')))!;
  await s.write(commitKey(4, 0), JSON.stringify({ task: 4, chunk: 0, file: 'part-00004-0000.parquet', bytes: pend.size, etag: pend.etag, checksum: 'x', rows: 1, cursor: null }));
  assert.deepEqual((await committedParts(s)).map((p) => p.file), ['part-00000-0000.parquet', 'part-00001-0000.parquet']);
  assert.deepEqual(await removeUncommittedParts(s), [], 'the pending object of an in-flight record is kept');
  assert.equal((await resumeCommittedParts(s)).length, 3);
  assert.equal(Buffer.from((await s.readAll('part-00004-0000.parquet'))!).toString(), 'in flight');
  assert.equal(await s.stat(pendingKey('part-00004-0000.parquet')), undefined);
  assert.deepEqual((await committedParts(s)).map((p) => p.file), ['part-00000-0000.parquet', 'part-00001-0000.parquet', 'part-00004-0000.parquet']);
  // A committed part replaced by other bytes is refused, not read; a copy whose source changed too.
  await s.write('part-00001-0000.parquet', 'replaced!!!');
  await assert.rejects(committedParts(s), (err: { code?: string }) => err.code === 'KILN_CORRUPT_PART');
  await s.write('src', 'one');
  const src = (await s.stat('src'))!;
  await s.write('src', 'two, longer');
  await assert.rejects(s.copy('src', 'dst', { ifMatch: src.etag }), (err: { code?: string }) => err.code === 'KILN_CORRUPT_PART');
  assert.equal(await s.stat('dst'), undefined);
}

async function lease(s: Storage): Promise<void> {
  const held = await takeOutputLease(s, { leaseMs: 60_000 });
  await assert.rejects(takeOutputLease(s), (err: { code?: string }) => err.code === 'KILN_OUTPUT_LOCKED');
  await held.release();
  const again = await takeOutputLease(s);
  await again.release();
  // An expired lease (its holder was killed) is taken over.
  await s.write('_kiln/lock', JSON.stringify({ token: 'dead', host: 'x', pid: 1, expiresAt: Date.now() - 1 }));
  const taken = await takeOutputLease(s);
  await taken.release();
}

test('s3 URL and environment parsing', () => {
  assert.deepEqual(parseS3Url('s3://my-bucket/a/b/'), { bucket: 'my-bucket', prefix: 'a/b' });
  assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
  assert.throws(() => parseS3Url('s3://B_ad/x'), /invalid S3 bucket/);
  const c = resolveS3Connect({}, { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2', AWS_REGION: 'eu-west-1', KILN_S3_PATH_STYLE: '1', AWS_PROFILE: 'p' });
  assert.deepEqual(c, { endpoint: 'http://b:2', region: 'eu-west-1', forcePathStyle: true, profile: 'p' });
  assert.throws(() => resolveS3Connect({}, { AWS_ENDPOINT_URL: 'localhost:9000' }), /http\(s\) URL/);
  assert.throws(() => openStorage('gs://bucket/x'), /unsupported storage location/);
});

test('local storage: list, ranged read, streaming write, conditional create, delete', async () => {
  await behaves(openStorage(await localRoot()));
});

test('S3 storage: list, ranged read, multipart write, conditional create, delete', async (t) => {
  if (!(await needS3(t))) return;
  const s = openStorage(await freshS3Url());
  try {
    await behaves(s);
  } finally {
    await s.close();
  }
  // Above multipartCopyAbove (5 GiB in use; 5 MiB here) the copy is UploadPartCopy by ranges.
  const url = await freshS3Url();
  const m = openStorage(url, { write: { partSize: 5 << 20, multipartCopyAbove: 5 << 20, copyPartSize: 5 << 20 } });
  try {
    const big = bigBody(9);
    const src = await m.write('big.bin', big.stream());
    const copied = await m.copy('big.bin', 'copy.bin', { ifMatch: src.etag, size: src.size });
    assert.ok(/-3$/.test(copied.etag), `a 3-part copy's ETag (${copied.etag})`);
    assert.ok(Buffer.from((await m.readAll('copy.bin'))!).equals(big.bytes));
    await m.write('big.bin', 'changed');
    await assert.rejects(m.copy('big.bin', 'copy2.bin', { ifMatch: src.etag, size: src.size }), (err: { code?: string }) => err.code === 'KILN_CORRUPT_PART');
    assert.equal(await m.stat('copy2.bin'), undefined);
  } finally {
    await m.close();
  }
});

test('commit protocol and output lease, local and S3', async (t) => {
  await commitProtocol(openStorage(await localRoot()));
  await lease(openStorage(await localRoot()));
  if (!(await needS3(t))) return;
  const s = openStorage(await freshS3Url());
  const l = openStorage(await freshS3Url());
  try {
    await commitProtocol(s);
    await lease(l);
  } finally {
    await s.close();
    await l.close();
  }
});

test('copyTree moves a tree to S3 and back byte for byte', async (t) => {
  if (!(await needS3(t))) return;
  const src = openStorage(await localRoot());
  const big = bigBody(3).bytes;
  await src.write('x/1.bin', big);
  await src.write('y.txt', 'y');
  const s3 = openStorage(await freshS3Url());
  const back = openStorage(await localRoot());
  try {
    assert.deepEqual(await copyTree(src, s3), ['x/1.bin', 'y.txt']);
    await copyTree(s3, back);
    // equals(), not deepEqual: a failing deepEqual of 13 MiB buffers spends minutes building its diff.
    assert.ok(Buffer.from((await back.readAll('x/1.bin'))!).equals(big));
  } finally {
    await s3.close();
  }
});
