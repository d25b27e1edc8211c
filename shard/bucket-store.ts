// The scatter pass's on-disk buckets. Each (split, bucket) file holds documents as
// [u32 token count][tokens in the bucket dtype], little-endian, in input order; the pack pass
// reads a few whole buckets at a time, so its memory is bounded by the bucket size.
import { appendFileSync, closeSync, openSync, readFileSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CorruptPartError, IoError } from '../core/errors.js';
import type { SplitName } from '../core/shard-index.js';
import { makeDirsSync } from '../core/make-dirs.js';

const MiB = 1024 * 1024;

/** Name of bucket `b` of `split`. */
export function bucketFile(dir: string, split: SplitName, bucket: number): string {
  return path.join(dir, `${split}-${String(bucket).padStart(5, '0')}.bin`);
}

/** The document ids of a bucket file, one JSON string a line in record order (shard lineage). */
export function bucketIdsFile(file: string): string {
  return `${file}.ids`;
}

/** The token counts of a bucket file's documents, one u32 (little-endian) each in record order: the pack plan reads these instead of the tokens. */
export function bucketLengthsFile(file: string): string {
  return `${file}.len`;
}

/** Appends documents to bucket files through one write buffer per file. */
export class BucketWriter {
  private readonly fds = new Map<string, number>();
  private readonly buffers = new Map<string, { bytes: Uint8Array; used: number }>();
  /** Ids waiting for their bucket's next flush: written with the tokens, so the two stay aligned. */
  private readonly ids = new Map<string, string[]>();
  /** Token counts waiting with the ids (bucketLengthsFile). */
  private readonly lengths = new Map<string, number[]>();
  private readonly bufferBytes: number;

  constructor(
    private readonly dir: string,
    readonly buckets: number,
    private readonly tokenBytes: 2 | 4,
  ) {
    makeDirsSync(dir);
    // Memory bound of the scatter: 2 splits x buckets buffers, together at most ~64 MiB.
    this.bufferBytes = Math.max(64 * 1024, Math.min(MiB, Math.floor((64 * MiB) / (2 * buckets))));
  }

  /** Adds one document's tokens (and its id) to bucket `bucket` of `split`. */
  add(split: SplitName, bucket: number, tokens: ArrayLike<number>, id: string): void {
    const file = bucketFile(this.dir, split, bucket);
    let ids = this.ids.get(file);
    if (!ids) this.ids.set(file, (ids = []));
    ids.push(JSON.stringify(id));
    let lengths = this.lengths.get(file);
    if (!lengths) this.lengths.set(file, (lengths = []));
    lengths.push(tokens.length);
    let buf = this.buffers.get(file);
    if (!buf) {
      buf = { bytes: new Uint8Array(this.bufferBytes), used: 0 };
      this.buffers.set(file, buf);
    }
    const need = 4 + tokens.length * this.tokenBytes;
    if (buf.used + need > buf.bytes.length) {
      this.flush(file, buf);
      if (need > buf.bytes.length) {
        // One document larger than the buffer: written straight through.
        this.write(file, this.encode(tokens));
        this.flushIds(file);
        return;
      }
    }
    const enc = this.encodeInto(tokens, buf.bytes, buf.used);
    buf.used += enc;
  }

  private encode(tokens: ArrayLike<number>): Uint8Array {
    const out = new Uint8Array(4 + tokens.length * this.tokenBytes);
    this.encodeInto(tokens, out, 0);
    return out;
  }

  private encodeInto(tokens: ArrayLike<number>, out: Uint8Array, at: number): number {
    const view = new DataView(out.buffer, out.byteOffset);
    view.setUint32(at, tokens.length, true);
    const start = out.byteOffset + at + 4;
    // Records are 4 + n * tokenBytes long, so `start` is always aligned for the token type; typed
    // arrays are little-endian on every platform Node ships for (x86, arm).
    const target = this.tokenBytes === 2 ? new Uint16Array(out.buffer, start, tokens.length) : new Uint32Array(out.buffer, start, tokens.length);
    target.set(tokens);
    return 4 + tokens.length * this.tokenBytes;
  }

  private flush(file: string, buf: { bytes: Uint8Array; used: number }): void {
    if (buf.used > 0) this.write(file, buf.bytes.subarray(0, buf.used));
    buf.used = 0;
    this.flushIds(file);
  }

  private flushIds(file: string): void {
    const ids = this.ids.get(file);
    if (!ids || ids.length === 0) return;
    const lengths = this.lengths.get(file)!;
    try {
      appendFileSync(bucketIdsFile(file), ids.join('\n') + '\n');
      appendFileSync(bucketLengthsFile(file), new Uint8Array(Uint32Array.from(lengths).buffer));
    } catch (err) {
      throw new IoError(`cannot write bucket ids ${bucketIdsFile(file)}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    ids.length = 0;
    lengths.length = 0;
  }

  private write(file: string, bytes: Uint8Array): void {
    try {
      let fd = this.fds.get(file);
      if (fd === undefined) {
        fd = openSync(file, 'a');
        this.fds.set(file, fd);
      }
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      throw new IoError(`cannot write bucket ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
  }

  /** Flushes every buffer and closes the files. */
  close(): void {
    for (const [file, buf] of this.buffers) this.flush(file, buf);
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.buffers.clear();
  }
}

/** Sizes of the bucket files of `split` that exist, by bucket number (missing = 0 bytes). */
export function bucketSizes(dir: string, split: SplitName, buckets: number): number[] {
  const sizes = new Array<number>(buckets).fill(0);
  const names = new Set(readdirSync(dir));
  for (let b = 0; b < buckets; b++) {
    const file = bucketFile(dir, split, b);
    if (names.has(path.basename(file))) sizes[b] = statSync(file).size;
  }
  return sizes;
}

/**
 * One reusable buffer for the bucket group being packed: reading every group into the same
 * memory keeps the pack pass at one group's bytes instead of two while the GC catches up.
 */
export class BucketArena {
  private bytes = new Uint8Array(0);

  /** A buffer of at least `n` bytes (grown, never shrunk). */
  take(n: number): Uint8Array {
    if (this.bytes.length < n) this.bytes = new Uint8Array(Math.max(n, Math.floor(this.bytes.length * 1.25)));
    return this.bytes;
  }
}

/** The documents of some bucket files, as typed views into `arena` (valid until its next use). */
export function readBucketDocs(files: string[], tokenBytes: 2 | 4, arena: BucketArena): Array<Uint16Array | Uint32Array> {
  const sizes = files.map((f) => {
    try {
      return statSync(f).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  });
  // File starts stay 4-byte aligned (bucket files are whole records of 4 + n * tokenBytes bytes,
  // rounded up here) so the typed views below are legal.
  const starts: number[] = [];
  let total = 0;
  for (const size of sizes) {
    starts.push(total);
    total += (size + 3) & ~3;
  }
  const buf = arena.take(total);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const docs: Array<Uint16Array | Uint32Array> = [];
  files.forEach((file, f) => {
    if (sizes[f] === 0) return;
    const fd = openSync(file, 'r');
    try {
      let got = 0;
      while (got < sizes[f]) {
        const n = readSync(fd, buf, starts[f] + got, sizes[f] - got, got);
        if (n === 0) throw new CorruptPartError(`bucket ${file} shrank while being read`, { path: file });
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    const end = starts[f] + sizes[f];
    let at = starts[f];
    while (at < end) {
      if (at + 4 > end) throw new CorruptPartError(`bucket ${file} ends inside a record header at byte ${at - starts[f]}`, { path: file });
      const n = view.getUint32(at, true);
      if (at + 4 + n * tokenBytes > end) throw new CorruptPartError(`bucket ${file} is truncated at byte ${at - starts[f]}`, { path: file });
      docs.push(tokenBytes === 2 ? new Uint16Array(buf.buffer, buf.byteOffset + at + 4, n) : new Uint32Array(buf.buffer, buf.byteOffset + at + 4, n));
      at += 4 + n * tokenBytes;
    }
  });
  return docs;
}

/** The ids of the documents `readBucketDocs` returns for `files`, in the same order. */
export function readBucketIds(files: string[]): string[] {
  const ids: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(bucketIdsFile(file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const line of text.split('\n')) if (line !== '') ids.push(JSON.parse(line) as string);
  }
  return ids;
}

/** The token counts of the documents of some bucket files (bucketLengthsFile), in `readBucketDocs` order. */
export function readBucketLengths(files: string[]): Uint32Array {
  const parts: Uint8Array[] = [];
  for (const file of files) {
    try {
      parts.push(readFileSync(bucketLengthsFile(file)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length % 4 !== 0) throw new CorruptPartError(`bucket lengths of ${files[0]} are truncated`, { path: files[0] });
  // Little-endian u32s, as written (every platform Node ships for is little-endian).
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Groups consecutive buckets so each group's bytes stay under the memory bound (at least one each). */
export function groupBuckets(sizes: readonly number[], limit: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, b) => {
    if (current.length > 0 && bytes + size > limit) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(b);
    bytes += size;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}
