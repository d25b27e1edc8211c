// The one small interface every dataset location goes through: a local directory or an S3
// prefix. Keys are '/'-separated and relative to the storage's root; a reader sees an object
// whole or not at all (local: tmp + fsync + rename; S3: a PUT or a completed multipart upload).
import type { Readable } from 'node:stream';

/** One stored object. */
export interface ObjectInfo {
  /** Key relative to the storage root ('/'-separated). */
  key: string;
  size: number;
  /** S3 ETag (quotes stripped) or, locally, `<size>-<mtimeMs>`; changes when the object does. */
  etag: string;
}

/** What a streaming write may read from. */
export type WriteBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** Conditions of Storage.copy. */
export interface CopyOptions {
  /** Copy only if the source still has this ETag (the one a commit record holds). */
  ifMatch?: string;
  /** The size the source must have (a commit record's); without ifMatch it also saves a HEAD on S3. */
  size?: number;
}

/** Local directory or S3 prefix behind one interface. */
export interface Storage {
  /** The root as the user wrote it (a path or s3://bucket/prefix), for messages. */
  readonly url: string;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** Size and ETag of `key`, or undefined when it does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Exactly `length` bytes at `offset` of `key` (a ranged GET on S3). */
  readRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** The whole object, or undefined when it does not exist. */
  readAll(key: string): Promise<Uint8Array | undefined>;
  /** A stream of the object from `offset` (for WARC files and other sequential reads). */
  openRead(key: string, offset?: number): Promise<Readable>;
  /**
   * Writes `key` from a stream; visible only once complete (multipart on S3 above the part size,
   * memory bounded by part size x queue). Overwrites an existing object.
   */
  write(key: string, body: WriteBody): Promise<ObjectInfo>;
  /** Creates `key` only if it does not exist; false when it already did (If-None-Match: * on S3). */
  createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /**
   * Copies `from` to `to` whole (server-side on S3), replacing `to`; `to` is visible only once
   * complete. With `ifMatch`, refuses (KILN_CORRUPT_PART) unless `from` still has that ETag.
   */
  copy(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo>;
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Joins key segments with '/', dropping empty ones. */
export function joinKey(...parts: string[]): string {
  return parts.flatMap((p) => p.split('/')).filter((p) => p !== '' && p !== '.').join('/');
}
