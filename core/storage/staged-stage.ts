// Stages on s3:// inputs and outputs, by staging through local disk: an s3:// input dataset is
// downloaded into a staging directory (objects already there with the same size are kept), the
// stage runs unchanged on local paths with the local commit protocol, and the finished output is
// published to its s3:// prefix in the order of committed-parts.ts, under the output lease
// (conditional create): every data object is uploaded under its pending key (_kiln/pending/,
// which no `*.parquet`/`*.bin` glob matches), then the records that name the data (_kiln/ and
// index.json) are written, then each data object is copied server-side to its final name and its
// pending object deleted, SUCCESS.json last. So no object a glob reader sees is unreferenced or
// half-written at any moment; a reader that follows a record may find a named object not copied
// yet (a missing object, never wrong bytes) until the copies are done. The staging directory
// is a function of the URL, so a killed run resumes on the same host from its local commits and
// re-publishes (overwriting under the same deterministic names). Memory: one object in flight.
// Cost: local disk for one copy of each s3:// dataset; not a streaming-to-S3 writer.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { LocalStorage } from './local.js';
import { openStorage } from './open-storage.js';
import { takeOutputLease } from './output-lease.js';
import { isS3Url } from './s3-location.js';
import { PENDING_PREFIX, SUCCESS_KEY, pendingKey } from './committed-parts.js';
import type { Storage } from './storage.js';

/** The local staging directory of an s3:// location ($KILN_S3_STAGE or the temp dir). */
export function stagingDir(url: string): string {
  const base = process.env.KILN_S3_STAGE ?? path.join(os.tmpdir(), 'kiln-s3-stage');
  return path.join(base, createHash('sha256').update(url).digest('hex').slice(0, 16));
}

/**
 * Downloads every object of `url` into its staging directory; same-size objects already there
 * are kept unless `refresh` (verify needs the bytes on the server, not an older copy).
 */
export async function stageIn(url: string, options: { refresh?: boolean } = {}): Promise<string> {
  const dir = stagingDir(url);
  const from = openStorage(url);
  const to = new LocalStorage(dir);
  try {
    for await (const o of from.list()) {
      if (o.key === '_kiln/lock' || o.key.startsWith(PENDING_PREFIX)) continue;
      if (!options.refresh && (await to.stat(o.key))?.size === o.size) continue;
      await to.write(o.key, await from.openRead(o.key));
    }
  } finally {
    await from.close();
  }
  return dir;
}

/** A local directory to read `location` from: itself, or the staged copy of an s3:// URL. */
export async function localView(location: string, options: { refresh?: boolean } = {}): Promise<string> {
  return isS3Url(location) ? stageIn(location, options) : location;
}

/** Records: the objects that name a dataset's data (commit records, index.json naming shards). */
function isRecord(key: string): boolean {
  return key.startsWith('_kiln/') || key === 'index.json';
}

/**
 * Uploads a finished local output to `to`: data under pending keys, then the records, then the
 * data copied to its final names, SUCCESS.json last. A rerun after a kill uploads everything
 * again under the same names (same bytes) and deletes pending objects a killed run left.
 */
export async function publish(dir: string, to: Storage): Promise<void> {
  const from = new LocalStorage(dir);
  const data: string[] = [];
  const records: string[] = [];
  for await (const o of from.list()) {
    if (o.key === '_kiln/lock' || o.key === SUCCESS_KEY || o.key.endsWith('.pending') || o.key.startsWith(PENDING_PREFIX)) continue;
    (isRecord(o.key) ? records : data).push(o.key);
  }
  const uploaded = new Map<string, { size: number; etag: string }>();
  for (const k of data) uploaded.set(k, await to.write(pendingKey(k), await from.openRead(k)));
  for (const k of records) await to.write(k, await from.openRead(k));
  for (const k of data) {
    const u = uploaded.get(k)!;
    await to.copy(pendingKey(k), k, { ifMatch: u.etag, size: u.size });
    await to.delete(pendingKey(k));
  }
  // Pending objects of an earlier, killed publish whose data this output no longer has.
  for await (const o of to.list(PENDING_PREFIX)) await to.delete(o.key);
  if ((await from.stat(SUCCESS_KEY)) !== undefined) await to.write(SUCCESS_KEY, await from.openRead(SUCCESS_KEY));
}

/** Runs `run` with s3:// inputs and output replaced by staging directories, then publishes. */
export async function withObjectStorage<T>(inputs: readonly string[], out: string, run: (inputs: string[], out: string) => Promise<T>): Promise<T> {
  const localInputs: string[] = [];
  for (const i of inputs) localInputs.push(isS3Url(i) ? await stageIn(i) : i);
  if (!isS3Url(out)) return run(localInputs, out);
  const target = openStorage(out);
  const lease = await takeOutputLease(target);
  try {
    const dir = stagingDir(out);
    const result = await run(localInputs, dir);
    await publish(dir, target);
    return result;
  } finally {
    await lease.release();
    await target.close();
  }
}
