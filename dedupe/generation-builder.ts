// Adds a run's survivors to the persistent index as a new generation: their band keys and exact
// hashes (merged from the buckets phase's sorted runs, so the generation's runs are sorted too) and their
// minima, renumbered 0..kept-1. Streams everything; memory: 4 B per document (the renumbering).
import { closeSync, openSync, writeSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import { stepCount, stepFileName } from './band-runs.js';
import { isKept } from './clusters.js';
import type { LshParams } from './lsh.js';
import { RunReader, RunWriter, mergeRuns } from './run-file.js';
import { SIGNATURE_HEADER_WORDS, scanSignatures, type DocLayout } from './signature-file.js';

export interface GenerationInput {
  layout: DocLayout;
  /** Sorted run files of each step (0 = exact, 1 + b = band b), in document order. */
  runs: string[][];
  lsh: LshParams | null;
  decisions: Uint8Array;
}

/** Writes the generation's files into `dir`; returns how many documents it holds. */
export function buildGeneration(dir: string, input: GenerationInput): number {
  const n = input.layout.total;
  const rank = new Int32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) rank[i] = isKept(input.decisions[i]) ? kept++ : -1;
  for (let step = 0; step < stepCount(input.lsh); step++) {
    const w = new RunWriter(path.join(dir, stepFileName(step)));
    mergeRuns(input.runs[step].map((f) => new RunReader(f)), (hi, lo, id) => {
      if (rank[id] >= 0) w.push(hi, lo, rank[id]);
    });
    w.close();
  }
  if (input.lsh) {
    const P = input.lsh.bands * input.lsh.rows;
    const fd = openSync(path.join(dir, 'signatures.bin'), 'w');
    // 1 MiB of minima per write.
    const per = Math.max(1, Math.floor((1 << 20) / (P * 4)));
    const buf = new Uint32Array(per * P);
    let fill = 0;
    const flush = (): void => {
      if (fill > 0) writeSync(fd, new Uint8Array(buf.buffer, 0, fill * P * 4));
      fill = 0;
    };
    scanSignatures(input.layout, P, 0, (doc, words, at) => {
      if (rank[doc] < 0) return;
      buf.set(words.subarray(at + SIGNATURE_HEADER_WORDS, at + SIGNATURE_HEADER_WORDS + P), fill * P);
      if (++fill === per) flush();
    });
    flush();
    fsyncSync(fd);
    closeSync(fd);
  }
  return kept;
}
