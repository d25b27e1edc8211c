// The commit protocol on any Storage, for S3 where there is no rename and no fsync:
// 1. a part goes to its deterministic name (part-TTTTT-CCCC.parquet), so a rerun of the same
//    task/chunk overwrites an uncommitted leftover instead of adding a second copy;
// 2. only after the upload completed (PUT or CompleteMultipartUpload returned, so the object is
//    whole) is the commit record _kiln/commits/TTTTT-CCCC.json written, holding the part's
//    size, ETag and checksum;
// 3. readers take the parts named by commit records and check size + ETag before trusting one,
//    so a part overwritten by a later uncommitted rerun is caught, not read;
// 4. _kiln/SUCCESS.json is written last, after every commit record.
// A SIGKILL between 1 and 2 leaves an uncommitted part that no reader reads; between steps of a
// multipart upload it leaves an incomplete upload that nobody can see at all.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import xxhash from 'xxhash-wasm';
import { CorruptPartError } from '../errors.js';
import { parseCommitName, parsePartName, partName } from '../dataset-layout.js';
import type { Storage, WriteBody } from './storage.js';

const hasher = await xxhash();

/** A commit record on storage: which part, and exactly which bytes of it. */
export interface StoredCommit {
  task: number;
  chunk: number;
  file: string;
  bytes: number;
  /** The ETag the server gave the completed upload. */
  etag: string;
  /** xxh64 of the part's bytes (core/checksum.ts format). */
  checksum: string;
  rows: number;
  /** The task's input position after this chunk, where a resumed task continues. */
  cursor: unknown;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Key of the commit record of task/chunk. */
export function commitKey(task: number, chunk: number): string {
  return `_kiln/commits/${pad(task, 5)}-${pad(chunk, 4)}.json`;
}

/** Key of SUCCESS.json. */
export const SUCCESS_KEY = '_kiln/SUCCESS.json';

function toReadable(body: WriteBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
  return body instanceof Readable ? body : Readable.from(body);
}

/**
 * Uploads one part under its deterministic name, then writes its commit record. The checksum is
 * computed while the bytes stream through (memory: the storage's upload buffers only).
 */
export async function writeCommittedPart(storage: Storage, task: number, chunk: number, body: WriteBody, meta: { rows: number; cursor: unknown }): Promise<StoredCommit> {
  const file = partName(task, chunk);
  const h = hasher.create64();
  const tap = new Transform({
    transform(c: Buffer, _e, cb) {
      h.update(c);
      cb(null, c);
    },
  });
  const upload = storage.write(file, tap);
  await Promise.all([pipeline(toReadable(body), tap), upload]);
  const info = await upload;
  const commit: StoredCommit = { task, chunk, file, bytes: info.size, etag: info.etag, checksum: `xxh64:${h.digest().toString(16).padStart(16, '0')}`, rows: meta.rows, cursor: meta.cursor };
  await storage.write(commitKey(task, chunk), JSON.stringify(commit));
  return commit;
}

/** Every commit record, ordered by task then chunk. */
export async function readStoredCommits(storage: Storage): Promise<StoredCommit[]> {
  const out: StoredCommit[] = [];
  for await (const o of storage.list('_kiln/commits/')) {
    if (!parseCommitName(o.key.slice('_kiln/commits/'.length))) continue;
    const bytes = await storage.readAll(o.key);
    if (!bytes) continue;
    try {
      out.push(JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredCommit);
    } catch (err) {
      throw new CorruptPartError(`commit record ${storage.url}/${o.key} is not JSON`, { path: `${storage.url}/${o.key}` }, { cause: err });
    }
  }
  return out.sort((a, b) => a.task - b.task || a.chunk - b.chunk);
}

/**
 * The committed parts a reader may read: each one's size and ETag are checked against its
 * commit record (one LIST), so a part that a later, uncommitted rerun replaced is an error.
 */
export async function committedParts(storage: Storage): Promise<StoredCommit[]> {
  const commits = await readStoredCommits(storage);
  const objects = new Map<string, { size: number; etag: string }>();
  for await (const o of storage.list('part-')) objects.set(o.key, o);
  for (const c of commits) {
    const o = objects.get(c.file);
    const where = `${storage.url}/${c.file}`;
    if (!o) throw new CorruptPartError(`committed part is missing: ${where}`, { path: where });
    if (o.size !== c.bytes || o.etag !== c.etag) {
      throw new CorruptPartError(`part ${where} is not the committed one (size ${o.size}/${c.bytes}, ETag ${o.etag}/${c.etag})`, { path: where });
    }
  }
  return commits;
}

/** Parts on storage that no commit record names (leftovers of a killed run); deletes them. */
export async function removeUncommittedParts(storage: Storage): Promise<string[]> {
  const named = new Set((await readStoredCommits(storage)).map((c) => c.file));
  const removed: string[] = [];
  for await (const o of storage.list('part-')) {
    if (parsePartName(o.key) && !named.has(o.key)) {
      await storage.delete(o.key);
      removed.push(o.key);
    }
  }
  return removed;
}

/** Writes SUCCESS.json; call only after every commit record is written. */
export async function writeSuccess(storage: Storage, summary: Record<string, unknown>): Promise<void> {
  await storage.write(SUCCESS_KEY, `${JSON.stringify(summary, null, 2)}\n`);
}
