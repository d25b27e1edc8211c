// Stages on s3:// inputs and outputs, by staging through local disk: an s3:// input dataset is
// downloaded into a staging directory (objects already there with the same size are kept), the
// stage runs unchanged on local paths with the local commit protocol, and the finished output is
// published to its s3:// prefix in commit-protocol order: data objects first, then the _kiln/
// records, SUCCESS.json last, under the output lease (conditional create). The staging directory
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
import { SUCCESS_KEY } from './committed-parts.js';
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
      if (o.key === '_kiln/lock') continue;
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

/** Uploads a finished local output to `url`: data, then _kiln/ records, SUCCESS.json last. */
export async function publish(dir: string, to: Storage): Promise<void> {
  const from = new LocalStorage(dir);
  const keys: string[] = [];
  for await (const o of from.list()) if (o.key !== '_kiln/lock' && !o.key.endsWith('.pending')) keys.push(o.key);
  const rank = (k: string): number => (k === SUCCESS_KEY ? 2 : k.startsWith('_kiln/') ? 1 : 0);
  keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) await to.write(k, await from.openRead(k));
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
