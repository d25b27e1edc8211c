// Merge rules of tiktoken-style ranks, computed on demand: tiktoken merges two adjacent parts
// when their concatenated bytes are a token, lowest rank first, and the result is that token.
// Looking the concatenation up when a pair is first seen (then memoising it) replaces building
// every pair of the vocabulary up front, which took most of a worker's start-up.
import { PairTable, type MergeRules } from './pair-table.js';

// Memory bound: the memo holds at most this many pairs (16 bytes each), then starts over.
const MEMO_LIMIT = 1 << 22;

/** MergeRules of ranks given as latin1 strings of each token's bytes. */
export class RankPairs implements MergeRules {
  private memo = new PairTable(1 << 16);
  private readonly keys: (string | undefined)[];
  private readonly ranks: Map<string, number>;

  constructor(keys: (string | undefined)[]) {
    this.keys = keys;
    this.ranks = new Map();
    keys.forEach((k, id) => {
      if (k !== undefined) this.ranks.set(k, id);
    });
  }

  /** Id of a token by its latin1 byte string. */
  idOf(key: string): number | undefined {
    return this.ranks.get(key);
  }

  priority(a: number, b: number): number {
    const known = this.memo.stored(a, b);
    if (known !== -2) return known;
    const rank = this.ranks.get(this.keys[a]! + this.keys[b]!) ?? -1;
    if (this.memo.size >= MEMO_LIMIT) this.memo = new PairTable(1 << 16);
    this.memo.set(a, b, rank, rank);
    return rank;
  }

  merged(a: number, b: number): number {
    return this.priority(a, b);
  }
}
