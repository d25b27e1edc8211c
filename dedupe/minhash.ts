// MinHash over word n-grams in plain TypeScript with Math.imul, no hash library and no
// per-shingle strings: deps.md §4 measured this ~2.6x faster than hashing shingle strings.
//  - words come from dedupe's word scanner (word-scanner.ts), two 32-bit hashes each, so a
//    shingle is identified by 64 bits (ngramKey);
//  - permutation k of shingle (a, b) is fmix32(a + k*b) (double hashing; deps.md §4 measured
//    the same Jaccard error as independent seeds at 1.3x the speed). Minima are 32-bit.
import { fmix32 } from '../core/seeded-random.js';
import { WordScanner, ngramKey } from './word-scanner.js';

export { fmix32 };

/** Settings of a MinHash signature. */
export interface MinHashParams {
  /** Words per shingle. */
  ngram: number;
  /** Number of permutations (= bands * rows). */
  permutations: number;
}

/** Computes MinHash signatures; reuses its buffers, so one instance per thread. */
export class MinHasher {
  readonly ngram: number;
  readonly permutations: number;
  private readonly words = new WordScanner();
  private readonly key = new Uint32Array(2);
  private readonly mins: Int32Array;

  constructor(params: MinHashParams) {
    if (!Number.isInteger(params.ngram) || params.ngram < 1) throw new RangeError(`ngram must be a positive integer, got ${params.ngram}`);
    if (!Number.isInteger(params.permutations) || params.permutations < 1) throw new RangeError(`permutations must be a positive integer, got ${params.permutations}`);
    this.ngram = params.ngram;
    this.permutations = params.permutations;
    this.mins = new Int32Array(params.permutations);
  }

  /** Splits text into case-folded Unicode words and hashes each; returns the word count. */
  scanWords(text: string): number {
    return this.words.scan(text);
  }

  /**
   * Writes the signature of `text` into `out` (length `permutations`) and returns the number of
   * shingles; 0 means the text has no words and `out` holds no meaningful signature. A text with
   * fewer than `ngram` words is one shingle of all its words.
   */
  signature(text: string, out: Uint32Array): number {
    const words = this.scanWords(text);
    const P = this.permutations;
    const mins = this.mins;
    mins.fill(0x7fffffff);
    if (words === 0) {
      out.fill(0xffffffff, 0, P);
      return 0;
    }
    const n = Math.min(this.ngram, words);
    const shingles = words - n + 1;
    const key = this.key;
    for (let s = 0; s < shingles; s++) {
      ngramKey(this.words, s, n, key);
      let x = key[0] | 0;
      const b = key[1] | 1; // odd, so a + k*b visits distinct values for every k
      for (let k = 0; k < P; k++) {
        // fmix32 inlined and kept in signed int32: every value stays a small integer for V8
        // (unsigned values above 2^31 become doubles, which measured 2.5x slower after the
        // first optimisation). The minimum under signed order is as good a MinHash as unsigned.
        let h = x;
        h ^= h >>> 16;
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        if (h < mins[k]) mins[k] = h;
        x = (x + b) | 0;
      }
    }
    for (let k = 0; k < P; k++) out[k] = mins[k];
    return shingles;
  }
}

/** Share of positions where two signatures agree: an unbiased estimate of their Jaccard. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  let same = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
  return n === 0 ? 0 : same / n;
}
