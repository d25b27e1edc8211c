// Signature files: one per input file, one fixed-size record per input row, in row order, so a
// document's signature is found by arithmetic (no index) and a resumed task truncates the file
// to its committed row count. Record = u32 words, little endian:
//   [exact hash hi, exact hash lo, shingle count, min_0 .. min_{P-1}]   (P = 0 with --exact-only)
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { CorruptPartError } from '../core/errors.js';

/** u32 words before the minima in each record. */
export const SIGNATURE_HEADER_WORDS = 3;

/** Words per record for P permutations. */
export function recordWords(permutations: number): number {
  return SIGNATURE_HEADER_WORDS + permutations;
}

/** Path of the signature file of global input file `fileIndex`. */
export function signaturePath(dir: string, fileIndex: number): string {
  return path.join(dir, `sig-${String(fileIndex).padStart(5, '0')}.bin`);
}

/** Where each input file's documents sit in the run's dense document numbering (input order). */
export interface DocLayout {
  /** Signature file of each input file, in input order. */
  files: string[];
  /** Rows of each input file. */
  rows: number[];
  /** Dense number of each file's first row (prefix sums of rows). */
  starts: number[];
  total: number;
}

/** Builds the dense numbering from per-file row counts. */
export function makeLayout(files: string[], rows: number[]): DocLayout {
  const starts: number[] = [];
  let total = 0;
  for (const r of rows) {
    starts.push(total);
    total += r;
  }
  return { files, rows, starts, total };
}

/** Input file holding dense document `doc` (binary search over `starts`). */
export function fileOfDoc(layout: DocLayout, doc: number): number {
  let lo = 0;
  let hi = layout.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.starts[mid] <= doc) lo = mid;
    else hi = mid - 1;
  }
  // Skip empty files that share a start with the file actually holding the doc.
  while (lo < layout.rows.length - 1 && layout.rows[lo] === 0) lo++;
  return lo;
}

const SCAN_BYTES = 1 << 20;

/**
 * Reads signature records in dense order from `startDoc` on, a batch (≤ 1 MiB) at a time:
 * `visit(doc, words, offset)` sees each record at words[offset ..].
 */
export function scanSignatures(layout: DocLayout, permutations: number, startDoc: number, visit: (doc: number, words: Uint32Array, offset: number) => boolean | void): void {
  const W = recordWords(permutations);
  const recBytes = W * 4;
  const perBatch = Math.max(1, Math.floor(SCAN_BYTES / recBytes));
  const buf = new Uint32Array(perBatch * W);
  const bytes = new Uint8Array(buf.buffer);
  for (let f = startDoc >= layout.total ? layout.files.length : fileOfDoc(layout, startDoc); f < layout.files.length; f++) {
    const rows = layout.rows[f];
    let row = Math.max(0, startDoc - layout.starts[f]);
    if (row >= rows) continue;
    const fd = openSync(layout.files[f], 'r');
    try {
      while (row < rows) {
        const n = Math.min(perBatch, rows - row);
        const want = n * recBytes;
        let got = 0;
        while (got < want) {
          const r = readSync(fd, bytes, got, want - got, row * recBytes + got);
          if (r === 0) throw new CorruptPartError(`signature file ${layout.files[f]} ends before row ${row + n}`, { path: layout.files[f] });
          got += r;
        }
        for (let i = 0; i < n; i++) {
          if (visit(layout.starts[f] + row + i, buf, i * W) === false) return;
        }
        row += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Random access to documents' minima for candidate verification; keeps a bounded set of open files. */
export class SignatureStore {
  private readonly fds = new Map<number, number>();
  private readonly recBytes: number;
  private readonly bytes: Uint8Array;
  // 64 open files at most: enough for locality (candidates cluster in few files), far from ulimit.
  private static readonly MAX_OPEN = 64;

  constructor(private readonly layout: DocLayout, private readonly permutations: number) {
    this.recBytes = recordWords(permutations) * 4;
    this.bytes = new Uint8Array(permutations * 4);
  }

  /** Copies document `doc`'s minima into `out` (length P). */
  read(doc: number, out: Uint32Array): void {
    const f = fileOfDoc(this.layout, doc);
    let fd = this.fds.get(f);
    if (fd === undefined) {
      if (this.fds.size >= SignatureStore.MAX_OPEN) {
        const [oldest, oldFd] = this.fds.entries().next().value as [number, number];
        closeSync(oldFd);
        this.fds.delete(oldest);
      }
      fd = openSync(this.layout.files[f], 'r');
      this.fds.set(f, fd);
    }
    const pos = (doc - this.layout.starts[f]) * this.recBytes + SIGNATURE_HEADER_WORDS * 4;
    const got = readSync(fd, this.bytes, 0, this.bytes.length, pos);
    if (got !== this.bytes.length) throw new CorruptPartError(`signature file ${this.layout.files[f]} is truncated at document ${doc}`, { path: this.layout.files[f] });
    out.set(new Uint32Array(this.bytes.buffer, 0, this.permutations));
  }

  /** Closes every open file. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
