// The order a loader hands out rows: a pure function of (index, seed, epoch, rank, worldSize),
// so every rank computes its share without talking to the others and a resumed run recomputes
// the same order. Shards are already globally shuffled at write time; per epoch the loader
// permutes the record batches ("chunks", 1-8 MiB contiguous byte ranges) and the rows inside
// each chunk, then gives rank r the contiguous slice [N*r/W, N*(r+1)/W) of that sequence: ranks
// are disjoint and together complete, and each reads only ~1/W of the bytes.
import { hashInts32, seededPermutation } from '../../core/seeded-random.js';
import type { ShardIndex, SplitName } from '../../core/shard-index.js';

const CHUNK_SALT = 0xc4;
const ROW_SALT = 0x20;

/** One record batch of one shard. */
export interface Chunk {
  /** Index in the split's shard list. */
  shard: number;
  /** Global chunk number in index order (stable across epochs; seeds its row order). */
  id: number;
  offset: number;
  rows: number;
  checksum: string;
}

export interface EpochPlan {
  /** Chunks in this epoch's order. */
  chunks: Chunk[];
  /** starts[k] = first global row of chunks[k] in this epoch's sequence; starts[len] = total. */
  starts: Float64Array;
  total: number;
  /** This rank's slice of the sequence: [lo, hi). */
  lo: number;
  hi: number;
}

/** The chunks of a split, over the shards of generations 0..generations-1. */
export function splitChunks(index: ShardIndex, split: SplitName, generations: number): Chunk[] {
  const chunks: Chunk[] = [];
  index.splits[split].shards.forEach((shard, s) => {
    if (shard.generation >= generations) return;
    for (const b of shard.batches ?? []) chunks.push({ shard: s, id: chunks.length, offset: b.offset, rows: b.rows, checksum: b.checksum });
  });
  return chunks;
}

/** This epoch's chunk order and this rank's slice. */
export function planEpoch(chunks: readonly Chunk[], seed: number, epoch: number, rank: number, worldSize: number): EpochPlan {
  const perm = seededPermutation(chunks.length, hashInts32([seed, epoch, CHUNK_SALT]));
  const ordered = Array.from(perm, (i) => chunks[i]);
  const starts = new Float64Array(ordered.length + 1);
  for (let k = 0; k < ordered.length; k++) starts[k + 1] = starts[k] + ordered[k].rows;
  const total = starts[ordered.length];
  return { chunks: ordered, starts, total, lo: Math.floor((total * rank) / worldSize), hi: Math.floor((total * (rank + 1)) / worldSize) };
}

/** The order of rows inside a chunk for an epoch. */
export function chunkRowOrder(chunk: Chunk, seed: number, epoch: number): Uint32Array {
  return seededPermutation(chunk.rows, hashInts32([seed, epoch, chunk.id, ROW_SALT]));
}

/** Index into plan.chunks of the chunk holding global row `g` (binary search). */
export function chunkAt(plan: EpochPlan, g: number): number {
  let lo = 0;
  let hi = plan.chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.starts[mid] <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows in this rank's slice. */
export function sliceRows(plan: EpochPlan): number {
  return plan.hi - plan.lo;
}
