/**
 * Gzip decoding that knows where each gzip member starts in the compressed file, so a
 * per-record-gzip WARC can be resumed (or range-requested) at any record. Small members go
 * through native zlib in one synchronous call; a member larger than SYNC_MEMBER_BYTES (a
 * whole-file gzip, a huge record) is streamed through pako so memory stays bounded.
 */
import zlib from 'node:zlib';
import pako from 'pako';
import { WarcCorruptError, WarcTruncatedError } from './errors.js';

/** A piece of decompressed output; `member` is set on the first piece of each gzip member. */
export interface GzipPiece {
  data: Uint8Array;
  /** Compressed offset of the member this piece starts, when it starts one. */
  member?: number;
}

// Members up to this size are inflated in one native call (fast path). Per-record WARC
// members are almost always far smaller; anything bigger is streamed.
const SYNC_MEMBER_BYTES = 4 * 1024 * 1024;
// Largest output the fast path may produce for one member; a bigger (or bomb) member is
// streamed instead, so one small member cannot allocate gigabytes.
const SYNC_MAX_OUTPUT = 64 * 1024 * 1024;
// Output produced per streamed step before we yield it onward; bounds the streamed path.
const STREAM_OUT_CHUNK = 1024 * 1024;
// Input fed to pako per call: deflate expands at most ~1032x, so one call emits <= ~16 MiB.
const STREAM_IN_SLICE = 16 * 1024;

/** Length of the gzip header at `buf[pos]`, or -1 when more bytes are needed; throws when it is not gzip. */
export function gzipHeaderLength(buf: Uint8Array, pos: number, path: string, fileOffset: number): number {
  const n = buf.length - pos;
  if (n < 10) return -1;
  if (buf[pos] !== 0x1f || buf[pos + 1] !== 0x8b || buf[pos + 2] !== 8) {
    throw new WarcCorruptError(path, fileOffset, 'expected a gzip member (1f 8b 08)');
  }
  const flags = buf[pos + 3];
  let p = pos + 10;
  if (flags & 4) {
    if (p + 2 > buf.length) return -1;
    p += 2 + (buf[p] | (buf[p + 1] << 8));
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      while (p < buf.length && buf[p] !== 0) p++;
      if (p >= buf.length) return -1;
      p++;
    }
  }
  if (flags & 2) p += 2;
  return p > buf.length ? -1 : p - pos;
}

/**
 * Decompresses a stream of gzip bytes member by member. `baseOffset` is the file offset of
 * the first byte (non-zero when resuming). Throws WarcTruncatedError/WarcCorruptError with
 * the offset of the member at fault, after yielding everything before it.
 */
export async function* gunzipMembers(source: AsyncIterable<Uint8Array>, path: string, baseOffset = 0): AsyncGenerator<GzipPiece> {
  const it = source[Symbol.asyncIterator]();
  let buf: Uint8Array = new Uint8Array(0);
  let bufOffset = baseOffset; // file offset of buf[0]
  let done = false;

  const more = async (): Promise<boolean> => {
    if (done) return false;
    const r = await it.next();
    if (r.done) {
      done = true;
      return false;
    }
    const c = r.value;
    // allocUnsafe-backed concat: every byte is overwritten, so zero-filling would be wasted.
    buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
    return true;
  };

  for (;;) {
    if (buf.length === 0 && !(await more())) return;
    // Trailing zero padding after the last member is tolerated (some writers pad blocks).
    if (buf[0] === 0 && buf.every((b) => b === 0)) {
      buf = new Uint8Array(0);
      continue;
    }
    const memberOffset = bufOffset;
    let hl = gzipHeaderLength(buf, 0, path, memberOffset);
    while (hl < 0) {
      if (!(await more())) throw new WarcTruncatedError(path, memberOffset, 'inside a gzip header');
      hl = gzipHeaderLength(buf, 0, path, memberOffset);
    }
    // Fast path: the whole member is (or becomes) buffered; one native inflate call.
    let need = Math.max(buf.length, 64 * 1024);
    let out: Buffer | undefined;
    let consumed = 0;
    for (;;) {
      if (buf.length < need && !done && buf.length < SYNC_MEMBER_BYTES) {
        while (buf.length < need && (await more()));
      }
      try {
        const r = zlib.inflateRawSync(buf.subarray(hl), { info: true, maxOutputLength: SYNC_MAX_OUTPUT }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
        out = r.buffer;
        consumed = r.engine.bytesWritten;
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') break; // huge output: stream it
        if (code !== 'Z_BUF_ERROR') throw new WarcCorruptError(path, memberOffset, `bad deflate data (${(e as Error).message})`, { cause: e });
        if (done) throw new WarcTruncatedError(path, memberOffset, 'inside a gzip member');
        if (buf.length >= SYNC_MEMBER_BYTES) break; // too big for the fast path: stream it
        need = buf.length * 2; // doubling keeps repeated attempts linear overall
      }
    }
    if (out) {
      const end = hl + consumed + 8; // + CRC32 and ISIZE
      while (buf.length < end && (await more()));
      if (buf.length < end) throw new WarcTruncatedError(path, memberOffset, 'inside a gzip trailer');
      yield { data: out, member: memberOffset };
      buf = buf.subarray(end);
      bufOffset += end;
      continue;
    }
    // Streamed path for big members: pako in raw mode, output handed on in bounded pieces.
    const inf = new pako.Inflate({ raw: true, chunkSize: 256 * 1024 });
    let pending: Uint8Array[] = [];
    let pendingLen = 0;
    let first = true;
    inf.onData = (chunk: Uint8Array) => {
      pending.push(chunk);
      pendingLen += chunk.length;
    };
    inf.onEnd = () => {};
    let input = buf.subarray(hl);
    let inputOffset = bufOffset + hl;
    buf = new Uint8Array(0);
    const strm = (inf as unknown as { strm: { avail_in: number } }).strm;
    for (;;) {
      let ended = false;
      let fed = 0;
      for (; fed < input.length && !ended; ) {
        const slice = input.subarray(fed, fed + STREAM_IN_SLICE);
        inf.push(slice, false);
        if (inf.err) throw new WarcCorruptError(path, memberOffset, `bad deflate data (${inf.msg})`);
        ended = (inf as unknown as { ended: boolean }).ended;
        fed += ended ? slice.length - strm.avail_in : slice.length;
        if (pendingLen >= STREAM_OUT_CHUNK || ended) {
          const data = pending.length === 1 ? pending[0] : Buffer.concat(pending);
          pending = [];
          pendingLen = 0;
          if (data.length > 0 || first) yield first ? { data, member: memberOffset } : { data };
          first = false;
        }
      }
      if (ended) {
        const rest = input.subarray(fed);
        const restOffset = inputOffset + fed;
        buf = rest;
        bufOffset = restOffset;
        while (buf.length < 8 && (await more()));
        if (buf.length < 8) throw new WarcTruncatedError(path, memberOffset, 'inside a gzip trailer');
        buf = buf.subarray(8);
        bufOffset += 8;
        break;
      }
      const r = await it.next();
      if (r.done) {
        done = true;
        throw new WarcTruncatedError(path, memberOffset, 'inside a gzip member');
      }
      inputOffset += input.length;
      input = r.value;
    }
  }
}
