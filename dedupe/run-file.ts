// Sorted runs on disk: flat little-endian records of three u32 (key hi, key lo, document id),
// 12 bytes each, sorted by key. Readers and writers move 1 MiB at a time, so a k-way merge of
// k runs holds k MiB, whatever the run sizes.
import { closeSync, fstatSync, openSync, readSync, writeSync, fsyncSync } from 'node:fs';
import { CorruptPartError } from '../core/errors.js';

/** Bytes per run record. */
export const RUN_RECORD_BYTES = 12;
const BUFFER_RECORDS = (1 << 20) / RUN_RECORD_BYTES | 0;

/** Appends records to a run file through a 1 MiB buffer. */
export class RunWriter {
  private readonly fd: number;
  private readonly buf = new Uint32Array(BUFFER_RECORDS * 3);
  private n = 0;
  records = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends one record. */
  push(hi: number, lo: number, id: number): void {
    const at = this.n * 3;
    this.buf[at] = hi;
    this.buf[at + 1] = lo;
    this.buf[at + 2] = id;
    if (++this.n === BUFFER_RECORDS) this.flush();
    this.records++;
  }

  private flush(): void {
    if (this.n === 0) return;
    writeSync(this.fd, new Uint8Array(this.buf.buffer, 0, this.n * RUN_RECORD_BYTES));
    this.n = 0;
  }

  /** Flushes, fsyncs and closes; the caller renames the file into place. */
  close(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

/** Sequential reader of a run file; `hi`, `lo`, `id` hold the current record while `!done`. */
export class RunReader {
  private readonly fd: number;
  private readonly buf: Uint32Array;
  private readonly bytes: Uint8Array;
  private n = 0;
  private i = 0;
  private offset = 0;
  private readonly size: number;
  done = false;
  hi = 0;
  lo = 0;
  id = 0;

  /** `bufferBytes` (default 1 MiB) is what this reader holds in memory. */
  constructor(readonly path: string, bufferBytes = 1 << 20) {
    const records = Math.max(1, Math.floor(bufferBytes / RUN_RECORD_BYTES));
    this.buf = new Uint32Array(records * 3);
    this.bytes = new Uint8Array(this.buf.buffer);
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    if (this.size % RUN_RECORD_BYTES !== 0) {
      closeSync(this.fd);
      throw new CorruptPartError(`sorted run ${path} is ${this.size} bytes, not a whole number of ${RUN_RECORD_BYTES}-byte records`, { path });
    }
    this.next();
  }

  /** Moves to the next record (sets `done` at the end). */
  next(): void {
    if (this.i === this.n) {
      if (this.offset >= this.size) {
        this.done = true;
        closeSync(this.fd);
        return;
      }
      const want = Math.min(this.bytes.length, this.size - this.offset);
      let got = 0;
      while (got < want) got += readSync(this.fd, this.bytes, got, want - got, this.offset + got);
      this.offset += got;
      this.n = got / RUN_RECORD_BYTES;
      this.i = 0;
    }
    const at = this.i * 3;
    this.hi = this.buf[at];
    this.lo = this.buf[at + 1];
    this.id = this.buf[at + 2];
    this.i++;
  }

  /** Closes early (when a merge stops before the end). */
  close(): void {
    if (!this.done) {
      this.done = true;
      closeSync(this.fd);
    }
  }
}

/**
 * K-way merge of sorted runs by key; equal keys come out in run order (earlier runs first), so
 * when runs are listed in input order the merged stream keeps input order within a key.
 * Calls `visit(hi, lo, id, run)` for every record. Memory: one buffer per run plus a k-heap.
 */
export function mergeRuns(readers: RunReader[], visit: (hi: number, lo: number, id: number, run: number) => void): void {
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => {
    const ra = readers[a], rb = readers[b];
    if (ra.hi !== rb.hi) return ra.hi < rb.hi;
    if (ra.lo !== rb.lo) return ra.lo < rb.lo;
    return a < b;
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  readers.forEach((r, i) => { if (!r.done) heap.push(i); });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const top = heap[0];
    const r = readers[top];
    visit(r.hi, r.lo, r.id, top);
    r.next();
    if (r.done) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else down(0);
  }
}
