// The clusters phase: walk each band's sorted runs (the buckets phase wrote them) with a k-way
// merge, verify candidates that share a band key by the estimated Jaccard of their full
// signatures, and union the verified pairs. The exact band comes first, so copies are already one
// set when the near bands are walked and cost no verification. State after each band is
// checkpointed (parent array + flags), so a resume redoes at most one band.
//
// Memory: 4 B (parent) + 1 B (flags) per document during the walk, 4 + 1 + 1 B when deciding,
// plus the merge's read buffers (a quarter of --memory shared by all runs, 64 KiB-1 MiB each)
// and maxCandidates signatures per open bucket. The per-document part is checked against
// --memory before anything is allocated (dedupe-run.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Logger } from '../core/log.js';
import { LogHistogram, type HistogramBin } from '../core/log-histogram.js';
import { stepCount, stepFileName } from './band-runs.js';
import { IndexSignatures, generationDir, type IndexGeneration } from './index-store.js';
import type { LshParams } from './lsh.js';
import { RunReader, mergeRuns } from './run-file.js';
import { SignatureStore, type DocLayout } from './signature-file.js';
import { UnionFind, type KeepPolicy } from './union-find.js';
import { makeDirs } from '../core/make-dirs.js';

/** Flag: an earlier (or, keeping the last, later) document of this run has the same exact hash. */
export const FLAG_EXACT = 1;
/** Flag: the index holds a document with the same exact hash. */
export const FLAG_INDEX_EXACT = 2;
/** Flag: the index holds a verified near duplicate. */
export const FLAG_INDEX_NEAR = 4;

/** Decision per document: kept, alone. */
export const KEEP = 0;
/** Dropped as an exact copy (of this run's survivor or of an indexed document). */
export const DROP_EXACT = 1;
/** Dropped as a near duplicate. */
export const DROP_NEAR = 2;
/** Kept: the survivor of a cluster of two or more. */
export const KEEP_CLUSTER = 3;

/** True when a decision keeps the document. */
export function isKept(decision: number): boolean {
  return decision === KEEP || decision === KEEP_CLUSTER;
}

/** Bytes per document the cluster phase needs (see the header). */
export const CLUSTER_BYTES_PER_DOC = 6;

export interface ClusterOptions {
  ufDir: string;
  layout: DocLayout;
  /** Sorted run files of each step (0 = exact, 1 + b = band b) in document order (listBandRuns). */
  runs: string[][];
  /** Band layout, or null when exact only. */
  lsh: LshParams | null;
  threshold: number;
  keep: KeepPolicy;
  maxCandidates: number;
  index?: { dir: string; generations: IndexGeneration[] };
  /** Budget the merge's read buffers share (a quarter of --memory). */
  memoryBytes: number;
  log: Logger;
}

/** What the walk found. */
export interface ClusterResult {
  /** Decision (KEEP, DROP_EXACT, DROP_NEAR, KEEP_CLUSTER) per dense document. */
  decisions: Uint8Array;
  /** Root (surviving document) of each document's cluster. */
  roots: Int32Array;
  /** Clusters of two or more documents, by size (power-of-two bins). */
  clusterSizes: HistogramBin[];
  stats: Record<string, number>;
}

interface Checkpoint {
  step: number;
  parent: Int32Array;
  flags: Uint8Array;
  stats: Record<string, number>;
}

function checkpointPath(dir: string, step: number): string {
  return path.join(dir, `step-${String(step).padStart(2, '0')}.bin`);
}

async function loadCheckpoint(dir: string, n: number): Promise<Checkpoint | undefined> {
  await makeDirs(dir);
  const names = (await fs.readdir(dir)).filter((f) => /^step-\d+\.bin$/.test(f)).sort();
  const last = names.at(-1);
  if (!last) return undefined;
  const buf = await fs.readFile(path.join(dir, last));
  const statsLen = buf.readUInt32LE(0);
  const stats = JSON.parse(buf.subarray(4, 4 + statsLen).toString('utf8')) as Record<string, number>;
  let at = 4 + statsLen;
  at = (at + 3) & ~3;
  if (buf.byteLength !== at + 5 * n) return undefined;
  const parent = new Int32Array(n);
  new Uint8Array(parent.buffer).set(buf.subarray(at, at + 4 * n));
  const flags = new Uint8Array(buf.subarray(at + 4 * n, at + 5 * n));
  return { step: Number(/\d+/.exec(last)![0]), parent, flags, stats };
}

async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  const statsBytes = Buffer.from(JSON.stringify(c.stats), 'utf8');
  const head = (4 + statsBytes.byteLength + 3) & ~3;
  const out = Buffer.alloc(head + 5 * c.parent.length);
  out.writeUInt32LE(statsBytes.byteLength, 0);
  statsBytes.copy(out, 4);
  out.set(new Uint8Array(c.parent.buffer, c.parent.byteOffset, c.parent.byteLength), head);
  out.set(c.flags, head + 4 * c.parent.length);
  await writeFileAtomic(checkpointPath(dir, c.step), out);
  for (const f of await fs.readdir(dir)) {
    if (/^step-\d+\.bin$/.test(f) && f !== path.basename(checkpointPath(dir, c.step))) await fs.rm(path.join(dir, f), { force: true });
  }
}

function jaccardAtLeast(a: Uint32Array, aAt: number, b: Uint32Array, bAt: number, P: number, need: number): boolean {
  let same = 0;
  for (let k = 0; k < P; k++) {
    if (a[aAt + k] === b[bAt + k]) {
      if (++same >= need) return true;
    } else if (same + (P - k - 1) < need) return false;
  }
  return same >= need;
}

/** Walks every band (resuming from the last checkpoint) and decides each document's fate. */
export async function findClusters(opts: ClusterOptions): Promise<ClusterResult> {
  const n = opts.layout.total;
  const P = opts.lsh ? opts.lsh.bands * opts.lsh.rows : 0;
  const gens = opts.index?.generations ?? [];
  const steps = stepCount(opts.lsh);
  const cp = await loadCheckpoint(opts.ufDir, n);
  const uf = new UnionFind(cp ? cp.parent : n, opts.keep);
  const flags = cp ? cp.flags : new Uint8Array(n);
  const stats: Record<string, number> = cp?.stats ?? { candidates: 0, verified: 0, index_exact: 0, index_near: 0 };
  const keepLast = opts.keep === 'last';
  // Jaccard >= threshold <=> at least ceil(threshold * P) equal minima (tiny epsilon for 0.8 * 112).
  const need = Math.ceil(opts.threshold * P - 1e-9);
  const W = opts.maxCandidates;
  const store = P > 0 ? new SignatureStore(opts.layout, P) : undefined;
  const indexSigs = P > 0 && opts.index ? new IndexSignatures(opts.index.dir, gens, P) : undefined;
  const cur = new Uint32Array(Math.max(P, 1));
  const winIds = new Int32Array(W);
  const winLoaded = new Uint8Array(W);
  const winSig = new Uint32Array(W * Math.max(P, 1));
  const idxSig = new Uint32Array(W * Math.max(P, 1));
  try {
    for (let step = cp ? cp.step + 1 : 0; step < steps; step++) {
      const runFiles = opts.runs[step];
      const readers: RunReader[] = [];
      const source: number[] = [];
      const runCount = gens.filter((g) => step === 0 || g.near).length + runFiles.length;
      // An index of many generations means many runs to merge: their buffers share a quarter of
      // the budget (64 KiB to 1 MiB each) instead of growing with the generation count.
      const bufferBytes = Math.max(64 << 10, Math.min(1 << 20, Math.floor(opts.memoryBytes / 4 / Math.max(1, runCount))));
      gens.forEach((g, gi) => {
        if (step > 0 && !g.near) return;
        readers.push(new RunReader(path.join(generationDir(opts.index!.dir, g.name), stepFileName(step)), bufferBytes));
        source.push(gi);
      });
      for (const file of runFiles) {
        readers.push(new RunReader(file, bufferBytes));
        source.push(-1);
      }
      let curHi = -1;
      let curLo = -1;
      let hasIndex = false;
      let prev = -1;
      let winCount = 0;
      let winNext = 0;
      let idxCount = 0;
      if (step === 0) {
        mergeRuns(readers, (hi, lo, id, run) => {
          if (hi !== curHi || lo !== curLo) {
            curHi = hi;
            curLo = lo;
            hasIndex = false;
            prev = -1;
          }
          if (source[run] >= 0) {
            hasIndex = true;
            return;
          }
          if (hasIndex) {
            flags[id] |= FLAG_INDEX_EXACT;
            stats.index_exact++;
            return;
          }
          if (prev >= 0) {
            uf.union(prev, id);
            // Every member but the survivor is an exact copy: the first one or the last one.
            flags[keepLast ? prev : id] |= FLAG_EXACT;
          }
          prev = id;
        });
      } else {
        mergeRuns(readers, (hi, lo, id, run) => {
          if (hi !== curHi || lo !== curLo) {
            curHi = hi;
            curLo = lo;
            winCount = 0;
            winNext = 0;
            idxCount = 0;
          }
          const src = source[run];
          if (src >= 0) {
            if (idxCount < W) {
              indexSigs!.read(src, id, idxSig.subarray(idxCount * P, idxCount * P + P));
              idxCount++;
            }
            return;
          }
          let loaded = false;
          if (idxCount > 0 && !(flags[id] & (FLAG_INDEX_NEAR | FLAG_INDEX_EXACT))) {
            store!.read(id, cur);
            loaded = true;
            for (let m = 0; m < idxCount; m++) {
              stats.candidates++;
              if (jaccardAtLeast(cur, 0, idxSig, m * P, P, need)) {
                flags[id] |= FLAG_INDEX_NEAR;
                stats.index_near++;
                break;
              }
            }
          }
          const count = Math.min(winCount, W);
          for (let w = 0; w < count; w++) {
            const y = winIds[w];
            if (uf.find(y) === uf.find(id)) continue;
            if (!loaded) {
              store!.read(id, cur);
              loaded = true;
            }
            if (!winLoaded[w]) {
              store!.read(y, winSig.subarray(w * P, w * P + P));
              winLoaded[w] = 1;
            }
            stats.candidates++;
            if (jaccardAtLeast(cur, 0, winSig, w * P, P, need)) {
              uf.union(y, id);
              stats.verified++;
            }
          }
          // The window keeps the last W members of the bucket (a ring); slots load lazily, so
          // the vast majority of buckets (one member) never read a signature.
          winIds[winNext] = id;
          if (loaded) {
            winSig.set(cur.subarray(0, P), winNext * P);
            winLoaded[winNext] = 1;
          } else winLoaded[winNext] = 0;
          winNext = (winNext + 1) % W;
          winCount++;
        });
      }
      await saveCheckpoint(opts.ufDir, { step, parent: uf.parent, flags, stats });
      opts.log.info('dedupe_band_done', { step, of: steps, ...stats });
    }
  } finally {
    store?.close();
    indexSigs?.close();
  }
  return { ...decide(uf, flags), stats };
}

function decide(uf: UnionFind, flags: Uint8Array): { decisions: Uint8Array; roots: Int32Array; clusterSizes: HistogramBin[] } {
  const n = flags.length;
  const roots = uf.parent;
  for (let i = 0; i < n; i++) roots[i] = uf.find(i);
  // Per root: bit 1 = some member matched the index (the whole cluster goes), bit 2 = has members.
  const component = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (flags[i] & (FLAG_INDEX_EXACT | FLAG_INDEX_NEAR)) component[roots[i]] |= 1;
    if (roots[i] !== i) component[roots[i]] |= 2;
  }
  const decisions = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = roots[i];
    if (flags[i] & (FLAG_EXACT | FLAG_INDEX_EXACT)) decisions[i] = DROP_EXACT;
    else if (r !== i || component[r] & 1) decisions[i] = DROP_NEAR;
    else decisions[i] = component[r] & 2 ? KEEP_CLUSTER : KEEP;
  }
  return { decisions, roots, clusterSizes: clusterSizes(roots, component) };
}

/**
 * Sizes of the clusters of two or more documents, for the dataset card. `component` is free once
 * the decisions are made, so it counts members per root, saturating at 255; only clusters that
 * large (at most n / 255 of them) move to a map, so sizes cost no memory per document.
 */
function clusterSizes(roots: Int32Array, component: Uint8Array): HistogramBin[] {
  component.fill(0);
  const large = new Map<number, number>();
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i];
    if (component[r] < 255) component[r]++;
    else large.set(r, (large.get(r) ?? 255) + 1);
  }
  const sizes = new LogHistogram('documents');
  for (let i = 0; i < roots.length; i++) if (roots[i] === i && component[i] >= 2 && component[i] < 255) sizes.add(component[i]);
  for (let i = 0; i < roots.length; i++) if (roots[i] === i && component[i] === 255 && !large.has(i)) sizes.add(255);
  for (const size of large.values()) sizes.add(size);
  return sizes.toJSON().bins;
}
