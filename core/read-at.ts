import type { FileHandle } from 'node:fs/promises';

/**
 * Fills `buf[0, length)` from `position` of an open file; returns the bytes read, fewer only at
 * the end of the file (one read() may return less than asked, so it loops). Anything with a file
 * handle's read() will do (ranged GETs of an s3:// WARC: crawl/archive/s3-warc.ts). Callers
 * decide whether a short read is a truncated file or just the file's end.
 */
export async function readFullyAt(fh: Pick<FileHandle, 'read'>, buf: Uint8Array, position: number, length = buf.length): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
