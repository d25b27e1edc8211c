/**
 * Finds gzip member starts in a per-record-gzip .warc.gz without reading it from the
 * beginning, so one big file can be split into byte ranges that each start on a record.
 *
 * Deflate data has no length field and no sync marker, so a member start is found by
 * scanning for the gzip magic (1f 8b 08, reserved flag bits clear) and verifying each
 * candidate: the member must inflate to its end, its trailer must match (CRC32 and ISIZE,
 * checked by zlib's gunzip), its text must begin with "WARC/", and it must be followed by
 * another gzip member or the end of the file. Magic bytes inside compressed data (or inside
 * a stored gzip payload) fail one of these. A .warc.gz stored verbatim inside a record could
 * still pass; the reader catches that at run time (see `ArchiveRange`: the range before a
 * split must end exactly on it) and fails the task rather than repeat records.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** What the scan reads through: a local file's handle, or ranged GETs of an s3:// object (archive-task-plan.ts). */
export type RandomReader = Pick<FileHandle, 'read'>;
import zlib from 'node:zlib';
import { gzipHeaderLength } from './gzip-members.js';
import { DEFAULT_MAX_BLOCK_BYTES } from './warc-reader.js';
import { readFullyAt } from '../../core/read-at.js';

// Bytes read per scan step: bounds the scan's buffer.
const SCAN_CHUNK = 1024 * 1024;
// A candidate is verified from a window that starts small (real per-record members are a few
// KiB to ~1 MiB) and doubles up to this; a member whose compressed size is larger is not used
// as a split point (the scan goes on to the next one). This and MAX_MEMBER_OUTPUT bound the
// memory of a verification.
const MAX_MEMBER_BYTES = 32 * 1024 * 1024;
const FIRST_WINDOW = 256 * 1024;
// The reader skips blocks above DEFAULT_MAX_BLOCK_BYTES; a member holding one record is at most
// that plus its headers, so a larger inflated member is not a record we would split before.
const MAX_MEMBER_OUTPUT = DEFAULT_MAX_BLOCK_BYTES + 1024 * 1024;
const WARC = Buffer.from('WARC/');

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
async function readAt(fh: RandomReader, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  return buf.subarray(0, await readFullyAt(fh, buf, position));
}

/** True when a gzip member that holds WARC text starts at `offset` of the file (see the module note). */
export async function isMemberStart(fh: RandomReader, offset: number, fileSize: number): Promise<boolean> {
  for (let window = FIRST_WINDOW; ; window *= 2) {
    const buf = await readAt(fh, offset, Math.min(window, MAX_MEMBER_BYTES, fileSize - offset));
    const verdict = verifyMember(buf, offset + buf.length >= fileSize);
    if (verdict !== 'more') return verdict;
    if (buf.length >= MAX_MEMBER_BYTES || offset + buf.length >= fileSize) return false;
  }
}

/** 'more' when `buf` ends inside the member (and is not the end of the file). */
function verifyMember(buf: Buffer, atEof: boolean): boolean | 'more' {
  if (buf.length < 3 || buf[0] !== 0x1f || buf[1] !== 0x8b || buf[2] !== 8) return false;
  if (buf.length >= 4 && (buf[3] & 0xe0) !== 0) return false; // reserved flag bits must be zero
  const hl = gzipHeaderLength(buf, 0, '', 0);
  if (hl < 0) return atEof ? false : 'more';
  let consumed: number;
  try {
    const r = zlib.inflateRawSync(buf.subarray(hl), { info: true, maxOutputLength: MAX_MEMBER_OUTPUT }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (r.buffer.length < WARC.length || !r.buffer.subarray(0, WARC.length).equals(WARC)) return false;
    consumed = r.engine.bytesWritten;
  } catch (e) {
    // Z_BUF_ERROR: the input ended inside the member; anything else: not deflate data.
    return (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && !atEof ? 'more' : false;
  }
  const end = hl + consumed + 8;
  if (end > buf.length) return atEof ? false : 'more';
  try {
    zlib.gunzipSync(buf.subarray(0, end), { maxOutputLength: MAX_MEMBER_OUTPUT }); // checks CRC32 and ISIZE
  } catch {
    return false;
  }
  if (end === buf.length) return atEof ? true : 'more'; // need the next bytes to see what follows
  const rest = buf.subarray(end);
  if (rest.every((b) => b === 0)) return atEof ? true : 'more'; // zero padding up to the end is tolerated by the reader
  return rest.length < 3 ? (atEof ? false : 'more') : rest[0] === 0x1f && rest[1] === 0x8b && rest[2] === 8;
}

/**
 * The first verified member start at or after `from` and before `before`, or undefined.
 * Memory: one SCAN_CHUNK buffer plus one verification (MAX_MEMBER_BYTES in, MAX_MEMBER_OUTPUT out).
 */
export async function nextMemberStart(fh: RandomReader, fileSize: number, from: number, before = fileSize): Promise<number | undefined> {
  const stop = Math.min(before, fileSize);
  for (let pos = from; pos < stop; ) {
    // +2 so a magic that straddles two chunks is seen in the first.
    const chunk = await readAt(fh, pos, Math.min(SCAN_CHUNK + 2, fileSize - pos));
    const limit = Math.min(chunk.length, stop - pos);
    for (let i = chunk.indexOf(0x1f); i >= 0 && i < limit; i = chunk.indexOf(0x1f, i + 1)) {
      if (chunk[i + 1] === 0x8b && chunk[i + 2] === 8 && (await isMemberStart(fh, pos + i, fileSize))) return pos + i;
    }
    if (chunk.length <= 2) break;
    pos += Math.min(SCAN_CHUNK, chunk.length);
  }
  return undefined;
}

/** Every verified member start of a local file, in order (for tests and diagnostics: it reads the whole file). */
export async function listMemberStarts(file: string): Promise<number[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const starts: number[] = [];
    for (let at = await nextMemberStart(fh, size, 0); at !== undefined; at = await nextMemberStart(fh, size, at + 1)) starts.push(at);
    return starts;
  } finally {
    await fh.close();
  }
}
