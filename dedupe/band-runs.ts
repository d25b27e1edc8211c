// Sorted band runs: the output of dedupe's buckets phase (bucket-stage.ts). A run lists every
// document's key in one band -- step 0 is the exact hash, step 1 + b is LSH band b -- sorted by
// key, so documents sharing a key (a bucket) sit side by side and the clusters phase finds every
// candidate pair with one k-way merge per band. Documents are read in dense order and buffered
// until the chunk capacity is reached; then each band's buffer of the range is radix-sorted and
// written as one run file. A chunk's files are written into a temp directory and renamed into
// place, then the task commits; a resume removes what a killed attempt left past its commit.
//
//   <buckets>/range-RRR/chunk-NNNN/{exact,band-BB}.run   chunks of band range (task) RRR
//   <buckets>/range-RRR/chunks.json                      {chunks}: written when the range is complete
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { CorruptPartError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { makeDirs, makeDirsSync } from '../core/make-dirs.js';
import { bandKey, type LshParams } from './lsh.js';
import { radixSort64 } from './radix-sort.js';
import { RUN_RECORD_BYTES, RunWriter } from './run-file.js';
import { SIGNATURE_HEADER_WORDS, scanSignatures, type DocLayout } from './signature-file.js';

/** Name of band `b`'s run file; the exact-hash band is `exact`. */
export function bandFileName(band: number | 'exact'): string {
  return band === 'exact' ? 'exact.run' : `band-${String(band).padStart(2, '0')}.run`;
}

/** Run file name of a step: 0 = the exact hash, 1 + b = LSH band b. */
export function stepFileName(step: number): string {
  return bandFileName(step === 0 ? 'exact' : step - 1);
}

/** Steps (exact hash + LSH bands) a run has: what the buckets phase splits into ranges. */
export function stepCount(lsh: LshParams | null): number {
  return 1 + (lsh ? lsh.bands : 0);
}

/**
 * Documents per chunk for a memory budget: each buffered document costs 12 bytes per band
 * (key hi, key lo, id) plus 12 bytes of radix-sort scratch; half the budget goes to buffers,
 * the rest is left to Node's heap, read buffers and the OS. `bandCount` is every band of the
 * run, whatever range a task covers: see writeBandRuns for what that bounds.
 */
export function docsPerChunk(memoryBytes: number, bandCount: number): number {
  return Math.max(1024, Math.floor((memoryBytes * 0.5) / ((bandCount + 1) * RUN_RECORD_BYTES)));
}

/** Directory of band range (bucket task) `index`. */
export function bandRangeDir(bucketsDir: string, index: number): string {
  return path.join(bucketsDir, `range-${String(index).padStart(3, '0')}`);
}

function chunkName(chunk: number): string {
  return `chunk-${String(chunk).padStart(4, '0')}`;
}

export interface BandRunOptions {
  /** The range's directory (bandRangeDir). */
  dir: string;
  layout: DocLayout;
  /** Band layout, or null for exact-only runs. */
  lsh: LshParams | null;
  /** Steps [from, to) of this range (0 = exact, 1 + b = band b). */
  from: number;
  to: number;
  memoryBytes: number;
  /** Where a resumed task starts: its committed chunk count and first document. */
  startChunk: number;
  startDoc: number;
  /** Called once a chunk is in place: the task commits (chunks so far, next document) here. */
  onChunk: (chunks: number, nextDoc: number) => Promise<void>;
  signal?: AbortSignal;
  log: Logger;
}

/**
 * Writes (or finishes writing) the sorted runs of the steps [from, to); returns the chunk count,
 * or undefined when a signal stopped it at a chunk boundary.
 *
 * Memory bound: a chunk holds `docsPerChunk(memory, every band of the run)` documents whatever
 * the range, so a task of k of the run's B steps buffers (k + 1) / (B + 1) of half of --memory
 * (k buffers plus the sort's scratch). All ranges running at once -- one process with a worker
 * per task, or a node running several array elements -- together stay within half of --memory,
 * as the one-range run does; a task's share never grows with the corpus (more chunks instead).
 */
export async function writeBandRuns(opts: BandRunOptions): Promise<number | undefined> {
  const { dir, layout, lsh, from, to } = opts;
  await removeChunksFrom(dir, opts.startChunk);
  const P = lsh ? lsh.bands * lsh.rows : 0;
  const width = to - from;
  const capacity = docsPerChunk(opts.memoryBytes, stepCount(lsh));
  const hi = Array.from({ length: width }, () => new Uint32Array(capacity));
  const lo = Array.from({ length: width }, () => new Uint32Array(capacity));
  const ids = Array.from({ length: width }, () => new Uint32Array(capacity));
  const fill = new Array<number>(width).fill(0);
  const keys = new Uint32Array(2);
  const hasExact = from === 0;
  const firstBand = Math.max(from, 1) - 1;
  const endBand = to - 1;
  let chunk = opts.startChunk;
  let next = opts.startDoc;
  while (next < layout.total) {
    const startDoc = next;
    let stopAt = layout.total;
    let buffered = 0;
    // scanSignatures is synchronous and reads whole records (a range uses a slice of each): it
    // stops at a chunk boundary, and the chunk is written after it returns.
    scanSignatures(layout, P, startDoc, (doc, words, at) => {
      if (hasExact) {
        const e = fill[0]++;
        hi[0][e] = words[at];
        lo[0][e] = words[at + 1];
        ids[0][e] = doc;
      }
      if (lsh && endBand > firstBand && words[at + 2] > 0) {
        const sig = words.subarray(at + SIGNATURE_HEADER_WORDS, at + SIGNATURE_HEADER_WORDS + P);
        for (let b = firstBand; b < endBand; b++) {
          const s = b + 1 - from;
          bandKey(sig, b, lsh.rows, keys, 0);
          const i = fill[s]++;
          hi[s][i] = keys[0];
          lo[s][i] = keys[1];
          ids[s][i] = doc;
        }
      }
      if (++buffered === capacity) {
        stopAt = doc + 1;
        return false;
      }
    });
    const tmp = path.join(dir, `.tmp-${chunkName(chunk)}`);
    await fs.rm(tmp, { recursive: true, force: true });
    makeDirsSync(tmp);
    for (let s = 0; s < width; s++) {
      radixSort64(hi[s], lo[s], ids[s], fill[s]);
      const w = new RunWriter(path.join(tmp, stepFileName(from + s)));
      for (let i = 0; i < fill[s]; i++) w.push(hi[s][i], lo[s][i], ids[s][i]);
      w.close();
      fill[s] = 0;
    }
    await fs.rename(tmp, path.join(dir, chunkName(chunk)));
    chunk++;
    next = stopAt;
    opts.log.info('dedupe_run_chunk', { range: path.basename(dir), chunk: chunk - 1, startDoc, endDoc: stopAt });
    await opts.onChunk(chunk, next);
    if (opts.signal?.aborted && next < layout.total) return undefined;
  }
  await writeFileAtomic(path.join(dir, 'chunks.json'), JSON.stringify({ chunks: chunk }));
  return chunk;
}

/** Removes what a killed attempt left past the committed chunks (temp dirs, renamed chunks, the end marker). */
async function removeChunksFrom(dir: string, chunk: number): Promise<void> {
  await makeDirs(dir);
  for (const name of await fs.readdir(dir)) {
    const n = /^(?:\.tmp-)?chunk-(\d+)$/.exec(name);
    if (name.startsWith('.tmp-') || name === 'chunks.json' || (n && Number(n[1]) >= chunk)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** One band range of the buckets phase: its task index and steps [from, to). */
export interface BandRange {
  index: number;
  from: number;
  to: number;
}

/** Splits `steps` steps into `tasks` contiguous ranges of near-equal width (at most one per step). */
export function bandRanges(steps: number, tasks: number): BandRange[] {
  const n = Math.max(1, Math.min(steps, tasks));
  return Array.from({ length: n }, (_, index) => ({ index, from: Math.floor((index * steps) / n), to: Math.floor(((index + 1) * steps) / n) }));
}

/**
 * The sorted run files of every step (index 0 = exact, 1 + b = band b), each list in document
 * order -- the k-way merges keep input order within a key because of it. Every range must be
 * complete (the buckets phase finished).
 */
export async function listBandRuns(bucketsDir: string, ranges: readonly BandRange[]): Promise<string[][]> {
  const files: string[][] = [];
  for (const r of ranges) {
    const dir = bandRangeDir(bucketsDir, r.index);
    const done = await readJsonIfExists<{ chunks: number }>(path.join(dir, 'chunks.json'));
    if (!done) throw new CorruptPartError(`band range ${dir} is incomplete: run the buckets phase first`, { path: dir });
    for (let s = r.from; s < r.to; s++) files[s] = Array.from({ length: done.chunks }, (_, c) => path.join(dir, chunkName(c), stepFileName(s)));
  }
  return files;
}
