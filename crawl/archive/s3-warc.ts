/**
 * WARC files on s3://: streamed by a GET from any offset (a task's range starts there and reads
 * on only until its last record ends; the stream is then destroyed, so the server sends little
 * past it), resumed from the last byte received when the connection drops; and read by ranged
 * GETs when a big file is cut into ranges at gzip member starts. Memory: the SDK's stream
 * buffers, and at most one scan window of the member search.
 */
import type { Readable } from 'node:stream';
import { openStorage } from '../../core/storage/open-storage.js';
import { parseS3Url } from '../../core/storage/s3-location.js';
import type { Storage } from '../../core/storage/storage.js';
import { WarcSourceError } from './errors.js';
import type { RandomReader } from './member-starts.js';

const S3_ATTEMPTS = 4;

/** The bucket's storage and the object's key of an s3:// WARC URL. */
export function openS3Object(url: string): { storage: Storage; key: string } {
  const loc = parseS3Url(url);
  if (loc.prefix === '') throw new WarcSourceError(url, 'names a bucket, not an object');
  return { storage: openStorage(`s3://${loc.bucket}`), key: loc.prefix };
}

/** Size of an s3:// object, or undefined when it does not exist. */
export async function s3ObjectSize(url: string): Promise<number | undefined> {
  const { storage, key } = openS3Object(url);
  try {
    return (await storage.stat(key))?.size;
  } finally {
    await storage.close();
  }
}

/** Ranged GETs of one object as the reads of a file handle (for the member-start scan). */
export function s3RandomReader(storage: Storage, key: string, size: number): RandomReader {
  const read = async (buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }> => {
    const n = Math.max(0, Math.min(length, size - position));
    if (n > 0) buffer.set(await storage.readRange(key, position, n), offset);
    return { bytesRead: n, buffer };
  };
  return { read } as unknown as RandomReader;
}

/** Streams an s3:// object from byte `start`; a dropped stream is resumed where it stopped. */
export async function* s3WarcBytes(url: string, start: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const { storage, key } = openS3Object(url);
  let pos = start;
  let lastError: unknown;
  try {
    const size = (await storage.stat(key))?.size;
    if (size === undefined) throw new WarcSourceError(url, 'no such object');
    for (let attempt = 0; attempt < S3_ATTEMPTS && pos < size; attempt++) {
      let stream: Readable | undefined;
      try {
        stream = await storage.openRead(key, pos);
        for await (const chunk of stream) {
          if (signal?.aborted) throw signal.reason;
          const c = chunk as Buffer;
          pos += c.length;
          yield c;
        }
        return;
      } catch (e) {
        if (e instanceof WarcSourceError || signal?.aborted) throw e;
        lastError = e;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      } finally {
        stream?.destroy();
      }
    }
    if (pos < size) throw new WarcSourceError(url, `download failed after ${S3_ATTEMPTS} attempts at byte ${pos}: ${(lastError as Error)?.message ?? lastError}`, { cause: lastError });
  } finally {
    await storage.close();
  }
}
