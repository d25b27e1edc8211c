// The commit protocol on any Storage, for S3 where there is no rename and no fsync. The rule it
// keeps: no object a glob reader can see (`*.parquet`, `*.bin`, `aws s3 ls`, DuckDB
// `read_parquet('s3://…/*.parquet')`) is uncommitted or unreferenced, at any moment a SIGKILL
// can stop the writer.
// 1. a part is uploaded under its pending key `_kiln/pending/<final name>.pending` (one PUT, or
//    a multipart upload above the part size that nobody sees until it completes). No glob of
//    `*.parquet`/`*.bin`, at any depth, matches that name;
// 2. only after the upload completed is the commit record _kiln/commits/TTTTT-CCCC.json written,
//    holding the part's final name, size, the pending upload's ETag and its xxh64 checksum;
// 3. the pending object is copied server-side to its deterministic final name
//    (part-TTTTT-CCCC.parquet): CopyObject up to 5 GiB, a multipart copy by UploadPartCopy above
//    it (s3.ts), both conditional on the recorded ETag, so the final object is exactly the
//    recorded bytes; then the pending object is deleted;
// 4. _kiln/SUCCESS.json is written last, after every part is in place.
// A SIGKILL before 2 leaves a pending object (or an incomplete multipart upload) under _kiln/;
// between 2 and 3 a record whose final object is missing; after 3 a pending object too many.
// A resumed run calls resumeCommittedParts: it copies again every record whose final object is
// missing or not its recorded size, and deletes every pending object and every part no record
// names. Readers (committedParts) trust only records whose final object exists with the
// recorded size; a record still in flight (final missing, pending present) is not read.
// Cost: one HEAD, one server-side copy and one DELETE per part (bench/RESULTS.md, "the cost of
// the pending-key copy"); on a local disk the copy is a hard link renamed into place (local.ts),
// and local stages use core/commit-record.ts's renames anyway.
// The copy changes the ETag a multipart upload had (S3 gives a copy its own ETag), so readers
// check the final object's size, not its ETag; a same-size replacement by a foreign writer is
// caught by the checksum (`kiln verify`), not by this listing.
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

/** The pending key of a part or shard: under _kiln/, and no `*.parquet`/`*.bin` glob matches it. */
export function pendingKey(file: string): string {
  return `${PENDING_PREFIX}${file}.pending`;
}

/** Where pending objects live. */
export const PENDING_PREFIX = '_kiln/pending/';

/** Key of SUCCESS.json. */
export const SUCCESS_KEY = '_kiln/SUCCESS.json';

function toReadable(body: WriteBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
  return body instanceof Readable ? body : Readable.from(body);
}

/**
 * Uploads one part under its pending key, writes its commit record, then copies it to its final
 * name and deletes the pending object. The checksum is computed while the bytes stream through
 * (memory: the storage's upload buffers only).
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
  const upload = storage.write(pendingKey(file), tap);
  await Promise.all([pipeline(toReadable(body), tap), upload]);
  const info = await upload;
  const commit: StoredCommit = { task, chunk, file, bytes: info.size, etag: info.etag, checksum: `xxh64:${h.digest().toString(16).padStart(16, '0')}`, rows: meta.rows, cursor: meta.cursor };
  await storage.write(commitKey(task, chunk), JSON.stringify(commit));
  await placeCommitted(storage, commit);
  return commit;
}

/** Step 3: the recorded pending object to its final name (exactly the recorded bytes), then deleted. */
async function placeCommitted(storage: Storage, c: StoredCommit): Promise<void> {
  await storage.copy(pendingKey(c.file), c.file, { ifMatch: c.etag, size: c.bytes });
  await storage.delete(pendingKey(c.file));
}

async function sizes(storage: Storage, prefix: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for await (const o of storage.list(prefix)) m.set(o.key, o.size);
  return m;
}

/**
 * What a resumed run does first: every record whose final object is missing (killed between its
 * record and its copy) is copied again from its pending object; then every pending object and
 * every part that no record names is deleted. Returns the commit records, all now in place.
 */
export async function resumeCommittedParts(storage: Storage): Promise<StoredCommit[]> {
  const commits = await readStoredCommits(storage);
  const finals = await sizes(storage, 'part-');
  const pending = await sizes(storage, PENDING_PREFIX);
  for (const c of commits) {
    if (finals.get(c.file) === c.bytes) continue;
    if (pending.get(pendingKey(c.file)) !== c.bytes) {
      const where = `${storage.url}/${c.file}`;
      throw new CorruptPartError(`committed part ${where} is ${finals.has(c.file) ? `${finals.get(c.file)} bytes, not ${c.bytes}` : 'missing'}, and its pending copy ${pendingKey(c.file)} is gone`, { path: where });
    }
    await placeCommitted(storage, c);
  }
  await removeUncommittedParts(storage);
  return commits;
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
 * The committed parts a reader may read: records whose final object exists with the recorded
 * size (two LISTs). A record still in flight (its pending object there, its final one not yet)
 * is left out; a final object of another size, or a record with neither object, is an error.
 */
export async function committedParts(storage: Storage): Promise<StoredCommit[]> {
  const commits = await readStoredCommits(storage);
  const finals = await sizes(storage, 'part-');
  const pending = await sizes(storage, PENDING_PREFIX);
  const readable: StoredCommit[] = [];
  for (const c of commits) {
    const size = finals.get(c.file);
    const where = `${storage.url}/${c.file}`;
    if (size === c.bytes) readable.push(c);
    else if (size !== undefined) throw new CorruptPartError(`part ${where} is not the committed one (size ${size}, recorded ${c.bytes})`, { path: where });
    else if (!pending.has(pendingKey(c.file))) throw new CorruptPartError(`committed part is missing: ${where}`, { path: where });
  }
  return readable;
}

/**
 * Deletes a killed run's leftovers: parts no commit record names, and pending objects except
 * those of a record whose final object is not yet in place (resumeCommittedParts copies those).
 */
export async function removeUncommittedParts(storage: Storage): Promise<string[]> {
  const commits = await readStoredCommits(storage);
  const named = new Set(commits.map((c) => c.file));
  const finals = await sizes(storage, 'part-');
  const inFlight = new Set(commits.filter((c) => finals.get(c.file) !== c.bytes).map((c) => pendingKey(c.file)));
  const removed: string[] = [];
  for (const key of finals.keys()) {
    if (parsePartName(key) && !named.has(key)) {
      await storage.delete(key);
      removed.push(key);
    }
  }
  for (const key of (await sizes(storage, PENDING_PREFIX)).keys()) {
    if (inFlight.has(key)) continue;
    await storage.delete(key);
    removed.push(key);
  }
  return removed;
}

/** Writes SUCCESS.json; call only after every part is in place (resumeCommittedParts). */
export async function writeSuccess(storage: Storage, summary: Record<string, unknown>): Promise<void> {
  await storage.write(SUCCESS_KEY, `${JSON.stringify(summary, null, 2)}\n`);
}
