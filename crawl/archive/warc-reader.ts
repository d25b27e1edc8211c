/**
 * Streaming WARC record reader (WARC 0.17 to 1.1): uncompressed, per-record gzip and
 * whole-file gzip. Each record carries a resumable position; blocks over `maxBlockBytes`
 * are skipped without being held in memory; damage ends the stream with one error that
 * names the file and offset, after every record before it has been yielded.
 */
import { gunzipMembers, type GzipPiece } from './gzip-members.js';
import { WarcCorruptError, WarcTruncatedError } from './errors.js';

/** One WARC record. `block` is the content block (HTTP message, text, ...), absent when skipped as too large. */
export interface WarcRecord {
  /** WARC version from the first line, e.g. "1.0". */
  version: string;
  /** WARC-Type, lower-cased. */
  type: string;
  /** Header fields by lower-cased name (the last value wins for repeated names). */
  headers: Map<string, string>;
  contentLength: number;
  block?: Uint8Array;
  /** True when the block was larger than maxBlockBytes and skipped. */
  oversize?: boolean;
  /** True when Content-Length was wrong and the record end was found by the next "WARC/" line. */
  resynced?: boolean;
  /** File offset to reopen at to reach this record (its gzip member, or its own offset when uncompressed). */
  offset: number;
  /** Decompressed bytes from `offset` to the record (0 except inside a whole-file gzip). */
  within: number;
}

/** Where to resume: the position of the last record already handled (it and earlier ones are skipped). */
export interface WarcResumePoint {
  offset: number;
  within: number;
}

/** Reader limits; each bounds memory for hostile input. */
export interface WarcReadOptions {
  /** Blocks larger than this are skipped (counted by the caller via `oversize`). */
  maxBlockBytes?: number;
  /** Header sections larger than this mean the file is not WARC. */
  maxHeaderBytes?: number;
  /** Only records after this one are yielded (`source` must already start at `resume.offset`). */
  resume?: WarcResumePoint;
  /** File offset `source` starts at when not resuming (a byte range of a split file); every record from there is yielded. */
  start?: number;
}

// Common Crawl truncates payloads at 1 MiB; 16 MiB leaves room for other crawlers' records
// while bounding what one record may hold in memory.
export const DEFAULT_MAX_BLOCK_BYTES = 16 * 1024 * 1024;
// Real WARC headers are well under 8 KiB; 64 KiB is generous and bounds the header search.
const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8');
// How far past the declared end a wrong Content-Length is searched for the next record.
const RESYNC_WINDOW = 64 * 1024;

/** Index just after the "\n" of the first "\nWARC/<digit>" in b[from, to), or -1. */
function findWarcLine(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 6 < to; i++) {
    if (b[i] === 10 && b[i + 1] === 87 && b[i + 2] === 65 && b[i + 3] === 82 && b[i + 4] === 67 && b[i + 5] === 47 && b[i + 6] >= 48 && b[i + 6] <= 57) return i + 1;
  }
  return -1;
}

function findHeaderEnd(b: Uint8Array, from: number): { end: number; sep: number } | undefined {
  // Records written on Unix sometimes use bare LF; accept "\n\n" as well as "\r\n\r\n".
  for (let i = from; i < b.length - 1; i++) {
    if (b[i] !== 10) continue;
    if (b[i + 1] === 10) return { end: i, sep: 2 };
    if (b[i + 1] === 13 && i + 2 < b.length && b[i + 2] === 10) return { end: i, sep: 3 };
  }
  return undefined;
}

/** Wraps plain bytes as pieces at their file offsets. */
async function* plainPieces(source: AsyncIterable<Uint8Array>, base: number): AsyncGenerator<GzipPiece> {
  let first = true;
  for await (const c of source) {
    yield first ? { data: c, member: base } : { data: c };
    first = false;
  }
}

/** Peeks the first bytes to tell gzip from plain; returns which, and the decompressed pieces. */
async function openPieces(source: AsyncIterable<Uint8Array>, path: string, base: number): Promise<{ gzip: boolean; pieces: AsyncIterator<GzipPiece> }> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    headLen += r.value.length;
  }
  const replay: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    },
  };
  const bytes = head.length === 1 ? head[0] : Buffer.concat(head);
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const gen = gzip ? gunzipMembers(replay, path, base) : plainPieces(replay, base);
  return { gzip, pieces: gen[Symbol.asyncIterator]() };
}

/** Reads WARC records from a byte stream (any compression); `path` names the file in errors. */
export async function* readWarcRecords(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, path: string, opts: WarcReadOptions = {}): AsyncGenerator<WarcRecord> {
  const source: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in input ? input : (async function* () { yield* input; })();
  const maxBlock = opts.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES;
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const base = opts.resume?.offset ?? opts.start ?? 0;
  const skipUpTo = opts.resume ? opts.resume.within : -1;
  const { gzip, pieces } = await openPieces(source, path, base);

  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0; // read position in buf
  let bufU = 0; // decompressed offset (from `base`) of buf[0]
  let eof = false;
  // Member starts not yet passed: [decompressed offset, file offset].
  const members: [number, number][] = [];
  let anchorFile = base; // file offset of the last member start at or before the read position
  let anchorU = 0;

  // An error met while reading ahead, kept until the bytes it cost are actually needed.
  let damage: unknown;
  const fail = (fallback: Error): never => {
    throw damage ?? fallback;
  };
  // Absolute offset of the oldest byte ensure() must keep (the block being checked), or -1.
  let keepU = -1;
  // Pieces read ahead by peekPiece() and not yet appended to buf.
  const ahead: GzipPiece[] = [];
  /** The next piece from the source, undefined at EOF or damage. */
  const readPiece = async (): Promise<GzipPiece | undefined> => {
    if (eof) return undefined;
    try {
      const r = await pieces.next();
      if (!r.done) return r.value;
    } catch (e) {
      // Damage further on: hand out what came before it first (the caller rethrows it
      // when it actually needs the missing bytes).
      damage = e;
    }
    eof = true;
    return undefined;
  };
  /** The next piece to append: read ahead first, then from the source. */
  const nextPiece = async (): Promise<GzipPiece | undefined> => (ahead.length ? ahead.shift() : readPiece());
  /** Reads one more piece ahead (after those already read ahead) without appending it to buf. */
  const peekPiece = async (): Promise<GzipPiece | undefined> => {
    const p = await readPiece();
    if (p) ahead.push(p);
    return p;
  };
  /** Appends pieces until at least `n` unread bytes are buffered (or EOF); one copy per call, none when buf was used up. */
  const ensure = async (n: number): Promise<boolean> => {
    if (buf.length - pos >= n) return true;
    const from = keepU >= 0 ? Math.min(pos, keepU - bufU) : pos;
    const parts: Uint8Array[] = from < buf.length ? [buf.subarray(from)] : [];
    let have = buf.length - pos;
    let u = bufU + buf.length;
    while (have < n) {
      const p = await nextPiece();
      if (!p) break;
      if (p.member !== undefined) members.push([u, p.member]);
      parts.push(p.data);
      have += p.data.length;
      u += p.data.length;
    }
    bufU += from;
    buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    pos -= from;
    return have >= n;
  };

  /** Discards `n` bytes without buffering them all (for oversize blocks). */
  const discard = async (n: number): Promise<boolean> => {
    while (n > 0) {
      const avail = buf.length - pos;
      if (avail === 0 && !(await ensure(1))) return false;
      const take = Math.min(n, buf.length - pos);
      pos += take;
      n -= take;
    }
    return true;
  };

  /**
   * False when bytes other than "WARC/" follow the line breaks after buf[pos] (the block's
   * Content-Length is wrong). Looks into read-ahead pieces rather than appending them, so a
   * block that ends its gzip member is never copied just to check what comes next.
   */
  const recordFollows = async (): Promise<boolean> => {
    const head: number[] = []; // the first bytes after the line breaks, up to 5
    let b = buf;
    let q = pos;
    for (let i = 0; head.length < 5; ) {
      if (head.length === 0) while (q < b.length && (b[q] === 13 || b[q] === 10)) q++;
      while (q < b.length && head.length < 5) head.push(b[q++]);
      if (head.length === 5) break;
      const p = i < ahead.length ? ahead[i] : await peekPiece();
      // End of input (or damage, reported when the next header is read): nothing but line
      // breaks means the block was right; a few stray bytes mean it was not.
      if (!p) return head.length === 0;
      i++;
      b = p.data;
      q = 0;
    }
    return startsWithWarc(head, 0);
  };

  const filePos = (u: number): number => {
    while (members.length && members[0][0] <= u) {
      const [mu, mf] = members.shift()!;
      anchorU = mu;
      anchorFile = mf;
    }
    return anchorFile;
  };

  for (;;) {
    // Skip the blank lines between records (and any stray whitespace a writer left).
    for (;;) {
      if (!(await ensure(1))) {
        if (damage) throw damage;
        return;
      }
      const c = buf[pos];
      if (c === 13 || c === 10 || c === 32 || c === 9) pos++;
      else break;
    }
    const startU = bufU + pos;
    // Uncompressed files are addressable at every byte, so every record is its own anchor.
    const offset = gzip ? filePos(startU) : base + startU;
    const within = gzip ? startU - anchorU : 0;
    const errOffset = within === 0 ? offset : startU;
    let he = findHeaderEnd(buf, pos);
    while (!he) {
      if (buf.length - pos > maxHeader) throw new WarcCorruptError(path, errOffset, `no end of WARC header within ${maxHeader} bytes`);
      const before = buf.length - pos;
      if (!(await ensure(before + 1))) {
        if (buf.length - pos > 0 && !startsWithWarc(buf, pos) && !damage) throw new WarcCorruptError(path, errOffset, 'expected "WARC/"');
        fail(new WarcTruncatedError(path, errOffset, 'inside a WARC header'));
      }
      he = findHeaderEnd(buf, pos);
    }
    if (!startsWithWarc(buf, pos)) throw new WarcCorruptError(path, errOffset, 'expected "WARC/"');
    const headText = utf8.decode(buf.subarray(pos, he.end));
    const lines = headText.split(/\r?\n/);
    const version = lines[0].slice(5).trim();
    const headers = new Map<string, string>();
    let last = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
        headers.set(last, `${headers.get(last)} ${line.trim()}`);
        continue;
      }
      const c = line.indexOf(':');
      if (c <= 0) continue;
      last = line.slice(0, c).trim().toLowerCase();
      headers.set(last, line.slice(c + 1).trim());
    }
    const clText = headers.get('content-length');
    const contentLength = clText !== undefined && /^\d+$/.test(clText) ? Number(clText) : Number.NaN;
    if (!Number.isSafeInteger(contentLength)) throw new WarcCorruptError(path, errOffset, 'missing or invalid Content-Length');
    pos = he.end + he.sep;
    const type = (headers.get('warc-type') ?? '').toLowerCase();
    let block: Uint8Array | undefined;
    let oversize = false;
    let resynced = false;
    if (contentLength <= maxBlock) {
      if (!(await ensure(contentLength))) fail(new WarcTruncatedError(path, errOffset, `inside the block of a ${type || 'WARC'} record`));
      const blockStartU = bufU + pos;
      pos += contentLength;
      // Hand-made and re-encoded files carry a Content-Length that is a few bytes off. When
      // no record follows where one must, resynchronise on the next "\nWARC/<digit>" line
      // within RESYNC_WINDOW; if there is none, the next header read reports the damage.
      block = buf.subarray(blockStartU - bufU, pos);
      if (!(await recordFollows())) {
        keepU = blockStartU;
        await ensure(RESYNC_WINDOW);
        const start = blockStartU - bufU;
        const next = findWarcLine(buf, start, Math.min(buf.length, start + contentLength + RESYNC_WINDOW));
        if (next >= 0) {
          pos = next;
          resynced = true;
        } else if (eof && ahead.length === 0 && buf.length - start <= contentLength + RESYNC_WINDOW) {
          // The last record ran past its Content-Length up to the end of the file.
          pos = buf.length;
          resynced = true;
        }
        keepU = -1;
        if (resynced) block = buf.subarray(start, pos);
      }
    } else {
      oversize = true;
      if (!(await discard(contentLength))) fail(new WarcTruncatedError(path, errOffset, `inside the block of a ${type || 'WARC'} record`));
    }
    if (offset === base && within <= skipUpTo) continue;
    yield { version, type, headers, contentLength, block, oversize: oversize || undefined, resynced: resynced || undefined, offset, within };
  }
}

function startsWithWarc(b: ArrayLike<number>, p: number): boolean {
  return b.length - p >= 5 && b[p] === 87 && b[p + 1] === 65 && b[p + 2] === 82 && b[p + 3] === 67 && b[p + 4] === 47;
}
