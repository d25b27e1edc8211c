// Phase 2: every document's band keys (and its exact hash, as one more "band") go into sorted
// runs on disk. Documents are read in dense order and buffered until the memory budget is
// reached; then each band's buffer is radix-sorted and written as one run file. A chunk's files
// are written into a temp directory and renamed into place, so a resume redoes at most one chunk.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, readJsonIfExists } from '../core/atomic-file.js';
import type { Logger } from '../core/log.js';
import { bandKeys, type LshParams } from './lsh.js';
import { radixSort64 } from './radix-sort.js';
import { RUN_RECORD_BYTES, RunWriter } from './run-file.js';
import { SIGNATURE_HEADER_WORDS, scanSignatures, type DocLayout } from './signature-file.js';
import { makeDirs } from '../core/make-dirs.js';
import { makeDirsSync } from '../core/make-dirs.js';

/** One chunk of sorted runs: documents [startDoc, endDoc). */
export interface RunChunk {
  chunk: number;
  dir: string;
  startDoc: number;
  endDoc: number;
}

/** Name of band `b`'s run file; the exact-hash band is `exact`. */
export function bandFileName(band: number | 'exact'): string {
  return band === 'exact' ? 'exact.run' : `band-${String(band).padStart(2, '0')}.run`;
}

/**
 * Documents per chunk for a memory budget: each buffered document costs 12 bytes per band
 * (key hi, key lo, id) plus 12 bytes of radix-sort scratch; half the budget goes to buffers,
 * the rest is left to Node's heap, read buffers and the OS.
 */
export function docsPerChunk(memoryBytes: number, bandCount: number): number {
  return Math.max(1024, Math.floor((memoryBytes * 0.5) / ((bandCount + 1) * RUN_RECORD_BYTES)));
}

/** Lists the complete chunks of a runs directory in order (removing a killed writer's temp dirs). */
export async function listRunChunks(runsDir: string): Promise<RunChunk[]> {
  await makeDirs(runsDir);
  const chunks: RunChunk[] = [];
  for (const name of (await fs.readdir(runsDir)).sort()) {
    if (name.startsWith('.tmp-')) {
      await fs.rm(path.join(runsDir, name), { recursive: true, force: true });
      continue;
    }
    if (!name.startsWith('chunk-')) continue;
    const meta = await readJsonIfExists<RunChunk>(path.join(runsDir, name, 'chunk.json'));
    if (meta) chunks.push({ ...meta, dir: path.join(runsDir, name) });
  }
  return chunks;
}

export interface BandRunOptions {
  runsDir: string;
  layout: DocLayout;
  /** Band layout, or null for exact-only runs. */
  lsh: LshParams | null;
  memoryBytes: number;
  log: Logger;
}

/** Builds (or finishes building) the sorted runs of every band; returns the chunks in order. */
export async function buildBandRuns(opts: BandRunOptions): Promise<RunChunk[]> {
  const { runsDir, layout, lsh } = opts;
  const done = await readJsonIfExists<{ chunks: number }>(path.join(runsDir, 'DONE.json'));
  const existing = await listRunChunks(runsDir);
  if (done) return existing;
  const nearBands = lsh ? lsh.bands : 0;
  const P = lsh ? lsh.bands * lsh.rows : 0;
  const bandCount = nearBands + 1;
  const capacity = docsPerChunk(opts.memoryBytes, bandCount);
  const hi = Array.from({ length: bandCount }, () => new Uint32Array(capacity));
  const lo = Array.from({ length: bandCount }, () => new Uint32Array(capacity));
  const ids = Array.from({ length: bandCount }, () => new Uint32Array(capacity));
  const fill = new Array<number>(bandCount).fill(0);
  const keys = new Uint32Array(2 * Math.max(nearBands, 1));
  let chunk = existing.length;
  let startDoc = existing.at(-1)?.endDoc ?? 0;
  let buffered = 0;
  const flushChunk = async (endDoc: number): Promise<void> => {
    const name = `chunk-${String(chunk).padStart(4, '0')}`;
    const tmp = path.join(runsDir, `.tmp-${name}`);
    makeDirsSync(tmp);
    for (let b = 0; b < bandCount; b++) {
      radixSort64(hi[b], lo[b], ids[b], fill[b]);
      const w = new RunWriter(path.join(tmp, bandFileName(b === nearBands ? 'exact' : b)));
      for (let i = 0; i < fill[b]; i++) w.push(hi[b][i], lo[b][i], ids[b][i]);
      w.close();
      fill[b] = 0;
    }
    const meta: RunChunk = { chunk, dir: '', startDoc, endDoc };
    await writeFileAtomic(path.join(tmp, 'chunk.json'), JSON.stringify(meta));
    await fs.rename(tmp, path.join(runsDir, name));
    opts.log.info('dedupe_run_chunk', { chunk, startDoc, endDoc });
    existing.push({ ...meta, dir: path.join(runsDir, name) });
    chunk++;
    startDoc = endDoc;
    buffered = 0;
  };
  // scanSignatures is synchronous; chunks are flushed after it returns control at each boundary.
  let next = startDoc;
  while (next < layout.total) {
    let stopAt = layout.total;
    scanSignatures(layout, P, next, (doc, words, at) => {
      const e = fill[nearBands]++;
      hi[nearBands][e] = words[at];
      lo[nearBands][e] = words[at + 1];
      ids[nearBands][e] = doc;
      if (lsh && words[at + 2] > 0) {
        bandKeys(words.subarray(at + SIGNATURE_HEADER_WORDS, at + SIGNATURE_HEADER_WORDS + P), lsh, keys);
        for (let b = 0; b < nearBands; b++) {
          const i = fill[b]++;
          hi[b][i] = keys[2 * b];
          lo[b][i] = keys[2 * b + 1];
          ids[b][i] = doc;
        }
      }
      buffered++;
      if (buffered === capacity) {
        stopAt = doc + 1;
        return false;
      }
    });
    await flushChunk(stopAt);
    next = stopAt;
  }
  await writeFileAtomic(path.join(runsDir, 'DONE.json'), JSON.stringify({ chunks: existing.length }));
  return existing;
}
