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
import { UsageError } from '../errors.js';

/** The local staging directory of an s3:// location ($KILN_S3_STAGE or the temp dir). */
export function stagingDir(url: string): string {
  const base = process.env.KILN_S3_STAGE ?? path.join(os.tmpdir(), 'kiln-s3-stage');
  return path.join(base, createHash('sha256').update(url).digest('hex').slice(0, 16));
}

/** How stageIn copies a location down. */
export interface StageInOptions {
  /** Download every object again (verify needs the bytes on the server, not an older copy). */
  refresh?: boolean;
  /** Also delete local files the server does not hold (the copy then equals the server's state). */
  mirror?: boolean;
  /** Only the keys this accepts (status reads a dataset's records, not its parts). */
  keys?: (key: string) => boolean;
  /** Where to stage; default stagingDir(url). */
  dir?: string;
}

/** Local bookkeeping that never goes up: the lease, a local lock file, unfinished temp files. */
function localOnly(key: string): boolean {
  const parts = key.split('/');
  return key === '_kiln/lock' || parts.at(-1) === '.lock' || parts.some((p) => p.startsWith('.tmp-')) || key.endsWith('.pending');
}

/**
 * Downloads every object of `url` into its staging directory; same-size objects already there
 * are kept unless `refresh`.
 */
export async function stageIn(url: string, options: StageInOptions = {}): Promise<string> {
  const dir = options.dir ?? stagingDir(url);
  const from = openStorage(url);
  const to = new LocalStorage(dir);
  const wanted = options.keys ?? (() => true);
  try {
    const remote = new Set<string>();
    for await (const o of from.list()) {
      if (localOnly(o.key) || o.key.startsWith(PENDING_PREFIX) || !wanted(o.key)) continue;
      remote.add(o.key);
      if (!options.refresh && (await to.stat(o.key))?.size === o.size) continue;
      await to.write(o.key, await from.openRead(o.key));
    }
    if (options.mirror) {
      const stale: string[] = [];
      for await (const o of to.list()) if (!localOnly(o.key) && wanted(o.key) && !remote.has(o.key)) stale.push(o.key);
      for (const k of stale) await to.delete(k);
    }
  } finally {
    await from.close();
  }
  return dir;
}

/**
 * A local path for an s3:// file or folder (an eval set, a path list): one object is downloaded
 * to a file named after it, a prefix holding objects is staged as a directory; a local path is
 * returned as is.
 */
export async function stageInPath(location: string): Promise<string> {
  if (!isS3Url(location)) return location;
  const cut = location.replace(/\/+$/, '').lastIndexOf('/');
  const parent = location.slice(0, cut);
  const name = location.slice(cut + 1);
  if (parent.length > 's3://'.length && name !== '') {
    const from = openStorage(parent);
    try {
      if (await from.stat(name)) {
        const dir = stagingDir(location);
        await new LocalStorage(dir).write(name, await from.openRead(name));
        return path.join(dir, name);
      }
    } finally {
      await from.close();
    }
  }
  const dir = await stageIn(location, { refresh: true, mirror: true });
  if (!(await new LocalStorage(dir).list()[Symbol.asyncIterator]().next()).done) return dir;
  throw new UsageError(`input does not exist: ${location}`, { path: location });
}

/**
 * A local copy of an s3:// dataset's records only (_kiln/ and SUCCESS.json, not its parts), as
 * the server holds them now, for reading its state (the pipeline planner); kept apart from the
 * staging directory a run writes in. A local path is returned as is.
 */
export async function recordsView(location: string): Promise<string> {
  if (!isS3Url(location)) return location;
  return stageIn(location, { dir: `${stagingDir(location)}-records`, keys: (k) => k.startsWith('_kiln/') || k === SUCCESS_KEY, refresh: true, mirror: true });
}

/** A local directory to read `location` from: itself, or the staged copy of an s3:// URL. */
export async function localView(location: string, options: { refresh?: boolean } = {}): Promise<string> {
  return isS3Url(location) ? stageIn(location, options) : location;
}

/** How publish uploads a directory. */
export interface PublishOptions {
  /** Keys that are the directory's commit point, uploaded after everything else (default SUCCESS.json). */
  last?: (key: string) => boolean;
  /**
   * Then delete the objects under `to` that the directory no longer holds (a pruned checkpoint,
   * a released index pin), so the prefix equals the directory; the caller holds the lease.
   */
  prune?: boolean;
}

/** Records: the objects that name a dataset's data (commit records, index.json naming shards). */
function isRecord(key: string): boolean {
  return key.startsWith('_kiln/') || key === 'index.json';
}

/**
 * Uploads a finished local output to `to`: data under pending keys, then the records, then the
 * data copied to its final names, the commit point (SUCCESS.json) last. A rerun after a kill
 * uploads everything again under the same names (same bytes) and deletes pending objects a killed
 * run left.
 */
export async function publish(dir: string, to: Storage, options: PublishOptions = {}): Promise<void> {
  const from = new LocalStorage(dir);
  const last = options.last ?? ((k: string) => k === SUCCESS_KEY);
  const data: string[] = [];
  const records: string[] = [];
  const final: string[] = [];
  for await (const o of from.list()) {
    if (localOnly(o.key) || o.key.startsWith(PENDING_PREFIX)) continue;
    (last(o.key) ? final : isRecord(o.key) ? records : data).push(o.key);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  data.sort(byName);
  records.sort(byName);
  final.sort(byName);
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
  for (const k of final) await to.write(k, await from.openRead(k));
  if (options.prune) {
    const kept = new Set([...data, ...records, ...final]);
    const stale: string[] = [];
    for await (const o of to.list()) if (!localOnly(o.key) && !o.key.startsWith(PENDING_PREFIX) && !kept.has(o.key)) stale.push(o.key);
    for (const k of stale) await to.delete(k);
  }
}

/**
 * Runs `run` on a local copy of a location that is read and updated in place (the dedupe index,
 * a training run's directory): an s3:// URL is leased (a second writer gets KILN_OUTPUT_LOCKED),
 * copied down, updated by `run`, and published back with `prune`, the commit point last; a local
 * path is passed through. `mirror` makes the copy equal the server's state first (the index:
 * index.json is the truth); without it a killed run's local progress is kept and resumed.
 */
export async function withStagedDirectory<T>(location: string, options: { mirror?: boolean; last?: (key: string) => boolean }, run: (dir: string) => Promise<T>): Promise<T> {
  if (!isS3Url(location)) return run(location);
  const target = openStorage(location);
  const lease = await takeOutputLease(target);
  try {
    const dir = await stageIn(location, { refresh: options.mirror, mirror: options.mirror });
    const result = await run(dir);
    await publish(dir, target, { last: options.last, prune: true });
    return result;
  } finally {
    await lease.release();
    await target.close();
  }
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
