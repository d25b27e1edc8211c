// Where a dedupe run keeps its state (<out>/_kiln/dedupe/) and how the filter tasks read the
// slice of the per-document arrays that covers their files (never the whole array).
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { layout } from '../core/dataset-layout.js';
import { CorruptPartError } from '../core/errors.js';

/** Paths of a run's state. */
export function statePaths(out: string) {
  const dir = layout.stageState(out, 'dedupe');
  return {
    dir,
    run: path.join(dir, 'run.json'),
    signatures: path.join(dir, 'signatures'),
    /** The buckets phase's output: sorted band runs, one directory per band range. */
    buckets: path.join(dir, 'buckets'),
    uf: path.join(dir, 'union-find'),
    layout: path.join(dir, 'layout.json'),
    decisions: path.join(dir, 'decisions.bin'),
    roots: path.join(dir, 'roots.bin'),
    clusterStats: path.join(dir, 'cluster-stats.json'),
    /** Duplicate-cluster sizes (power-of-two bins), read by the dataset card. */
    clusterSizes: path.join(dir, 'cluster-sizes.json'),
  };
}

/** `layout.json`: first dense document number and row count of each input file. */
export interface LayoutFile {
  starts: number[];
  rows: number[];
}

/** Reads `count` elements of `bytesPerDoc` bytes from `start` of a per-document array file. */
export function readSlice(file: string, start: number, count: number, bytesPerDoc: number): Uint8Array {
  const out = new Uint8Array(count * bytesPerDoc);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < out.byteLength) {
      const r = readSync(fd, out, got, out.byteLength - got, start * bytesPerDoc + got);
      if (r === 0) throw new CorruptPartError(`${file} is shorter than expected (documents ${start}..${start + count})`, { path: file });
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
