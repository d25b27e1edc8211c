// The pack phase's plan: where the packed stream of a split is cut into pack tasks. One
// sequential pack closes a shard at the first document boundary after `rowsPerShard` rows; the
// plan replays that decision from the documents' token counts alone (bucket `.len` files, 4 B a
// document, never the tokens), so task k can start exactly where shard n-1 ended and write shards
// n.. byte for byte as the sequential pack would. A task starts from the state the sequential
// packer had there: its row count, stream position and the last partial row, which it rebuilds
// from the few documents that reach into it (`tail`).
import { seededPermutation } from '../core/seeded-random.js';
import type { SplitName } from '../core/shard-index.js';
import { readBucketLengths } from './bucket-store.js';
import { groupShuffleSeed } from './pack-arrow.js';

/** A document the packer's state at a cut still holds part of: group, place in its shuffled order, stream position, tokens. */
export interface TailDoc {
  group: number;
  doc: number;
  start: number;
  tokens: number;
}

/** The sequential packer's state right after a shard closed (or at the split's start). */
export interface PackCut {
  /** Next document to pack: bucket group and place in its shuffled order. */
  group: number;
  doc: number;
  /** Rows emitted and stream tokens pushed so far in this split of this generation. */
  rows: number;
  pos: number;
  nextShard: number;
  documents: number;
  /** Documents whose tokens or EOS reach past the last emitted row's last token. */
  tail: TailDoc[];
}

/** One pack job: a split's stream from `start` to the cut before shard `endShard` (null: to the end, then pad). */
export interface PackJob {
  split: SplitName;
  /** The job's place among its split's jobs (its journal is named after it). */
  part: number;
  start: PackCut;
  endShard: number | null;
  end: { group: number; doc: number } | null;
}

/** What the plan needs of a split. */
export interface SplitPackInput {
  split: SplitName;
  /** Bucket files of each group, in pack order. */
  groups: string[][];
  seed: number;
  generation: number;
  rowLength: number;
  rowsPerShard: number;
  firstShard: number;
}

/**
 * Every cut of a split's sequential pack: the start, then the state after each shard that closes
 * before the end. Memory: one group's counts and permutation (8 B a document) plus the cuts.
 */
export function packCuts(p: SplitPackInput): PackCut[] {
  const step = p.rowLength - 1;
  const cuts: PackCut[] = [{ group: 0, doc: 0, rows: 0, pos: 0, nextShard: p.firstShard, documents: 0, tail: [] }];
  let pos = 0;
  let rows = 0;
  let shardStartRows = 0;
  let documents = 0;
  let nextShard = p.firstShard;
  let window: TailDoc[] = [];
  for (let g = 0; g < p.groups.length; g++) {
    const lengths = readBucketLengths(p.groups[g]);
    const order = seededPermutation(lengths.length, groupShuffleSeed(p.seed, p.generation, p.split, g));
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[order[i]];
      window.push({ group: g, doc: i, start: pos, tokens: n });
      pos += n + 1;
      documents++;
      // The packer emits its first row at rowLength tokens, then one every rowLength - 1 (rows overlap by one).
      rows = Math.floor((pos - 1) / step);
      const edge = rows * step;
      if (window.length > 64) window = window.filter((d) => d.start + d.tokens + 1 > edge);
      if (rows - shardStartRows >= p.rowsPerShard) {
        shardStartRows = rows;
        nextShard++;
        window = window.filter((d) => d.start + d.tokens + 1 > edge);
        cuts.push({ group: g, doc: i + 1, rows, pos, nextShard, documents, tail: [...window] });
      }
    }
  }
  return cuts;
}

/** Splits a split's cuts into at most `tasks` jobs of consecutive shards (the last runs to the end). */
export function packJobs(split: SplitName, cuts: readonly PackCut[], tasks: number): PackJob[] {
  // cuts.length pieces: piece j runs from cut j to cut j + 1 (the last to the end).
  const pieces = cuts.length;
  const k = Math.max(1, Math.min(tasks, pieces));
  const jobs: PackJob[] = [];
  for (let r = 0; r < k; r++) {
    const a = Math.floor((r * pieces) / k);
    const b = Math.floor(((r + 1) * pieces) / k);
    const end = b < pieces ? cuts[b] : undefined;
    jobs.push({ split, part: r, start: cuts[a], endShard: end ? end.nextShard : null, end: end ? { group: end.group, doc: end.doc } : null });
  }
  return jobs;
}
