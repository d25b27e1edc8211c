// A fresh bucket on the S3 server that .ci/s3.sh starts (eval "$(bash .ci/s3.sh start)" sets the
// AWS_* variables). Without a server the S3 tests skip with the reason, unless KILN_TEST_S3=1
// (CI), where they fail.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AbortMultipartUploadCommand, CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { checksum } from '../../core/checksum.js';
import { S3Storage } from '../../core/storage/s3.js';
import type { Storage } from '../../core/storage/storage.js';
import { parseS3Url } from '../../core/storage/s3-location.js';

const required = process.env.KILN_TEST_S3 === '1';

let probed: Promise<string | undefined> | undefined;

/** Why S3 tests cannot run here, or undefined when the server answers. */
export function s3Unavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    if (!process.env.AWS_ENDPOINT_URL && !process.env.AWS_ENDPOINT_URL_S3) return 'no S3 server: AWS_ENDPOINT_URL is not set (run eval "$(bash .ci/s3.sh start)")';
    const s = new S3Storage({ bucket: 'probe', prefix: '' });
    try {
      await s.client.send(new ListBucketsCommand({}));
      return undefined;
    } catch (err) {
      return `S3 server at ${process.env.AWS_ENDPOINT_URL ?? process.env.AWS_ENDPOINT_URL_S3} does not answer: ${(err as Error).message}`;
    } finally {
      await s.close();
    }
  })();
  return probed;
}

/** Skips `t` (or fails under KILN_TEST_S3=1) when no S3 server answers; true when it may run. */
export async function needS3(t: { skip(msg: string): void }): Promise<boolean> {
  const why = await s3Unavailable();
  if (!why) return true;
  if (required) assert.fail(`KILN_TEST_S3=1 but ${why}`);
  t.skip(why);
  return false;
}

/** Creates a new bucket and returns s3://<bucket>/<prefix>. */
export async function freshS3Url(prefix = 'data'): Promise<string> {
  const bucket = `kiln-test-${randomBytes(6).toString('hex')}`;
  const s = new S3Storage(parseS3Url(`s3://${bucket}`));
  try {
    await s.client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    await s.close();
  }
  return `s3://${bucket}/${prefix}`;
}

/** Key -> content checksum of the objects of `s` whose key `keep` accepts, in key order. */
export async function objectChecksums(s: Storage, keep: (key: string) => boolean = () => true): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const o of s.list()) if (keep(o.key)) m.set(o.key, checksum((await s.readAll(o.key))!));
  return m;
}

/**
 * Deletes every object of the bucket of `url`, then the bucket: the test server keeps objects in
 * 2 GiB of RAM (memstore), and a full OSD blocks every writer on it until space is freed.
 */
export async function removeS3Bucket(url: string): Promise<void> {
  // test/loader/loader-s3.test.ts stops the gateway for 5 s, maybe while this runs beside it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await removeBucketOnce(url);
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((res) => setTimeout(res, 3000));
    }
  }
}

async function removeBucketOnce(url: string): Promise<void> {
  const { bucket } = parseS3Url(url);
  const s = new S3Storage({ bucket, prefix: '' });
  try {
    for await (const o of s.list()) await s.delete(o.key);
    // A killed writer's incomplete multipart uploads hold their parts' bytes too.
    for (;;) {
      const u = await s.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      if (!u.Uploads?.length) break;
      for (const x of u.Uploads) await s.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: x.Key, UploadId: x.UploadId }));
    }
    await s.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    await s.close();
  }
}
