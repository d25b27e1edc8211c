// Byte-level BPE training (GPT-2 style): count pre-tokens, then repeatedly merge the most
// frequent adjacent pair, updating pair counts only in the words that contain the merged pair
// (an index from pair to words), with a lazy max-heap of counts. The HF `tokenizers` binding
// has a trainer, but its JS API takes no options (vocab fixed at 30k, no special tokens).
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';

/** Options of `trainByteLevelBpe`. */
export interface BpeTrainOptions {
  /** Final vocabulary size, special tokens included (>= 256 + specials). */
  vocabSize: number;
  /** Special tokens, given the last ids in order. */
  specialTokens?: string[];
  /** Pairs seen fewer times than this are never merged. */
  minFrequency?: number;
}

/** A trained byte-level BPE: token bytes by id (0-255 are the bytes), merges in order. */
export interface TrainedBpe {
  tokens: Uint8Array[];
  /** [left id, right id] per merge, in priority order. */
  merges: [number, number][];
  /** Special tokens and their ids. */
  specials: [string, number][];
}

/** Memory bound: distinct pre-tokens kept while counting; beyond it the singletons are dropped. */
export const MAX_DISTINCT_PIECES = 1 << 22;

/** Counts pre-tokens (GPT-2 pattern) of texts into `counts`. */
export function countPieces(text: string, counts: Map<string, number>): void {
  let i = 0;
  while (i < text.length) {
    const end = gpt2PieceEnd(text, i);
    const piece = text.slice(i, end);
    counts.set(piece, (counts.get(piece) ?? 0) + 1);
    i = end;
  }
  if (counts.size > MAX_DISTINCT_PIECES) {
    for (const [k, v] of counts) if (v <= 1) counts.delete(k);
  }
}

// Pair keys pack two ids below 2^21 into one exact double.
const SHIFT = 2 ** 21;
const key = (a: number, b: number): number => a * SHIFT + b;

/** Trains byte-level BPE on pre-token counts. */
export function trainByteLevelBpe(counts: Map<string, number>, options: BpeTrainOptions): TrainedBpe {
  const specials = options.specialTokens ?? [];
  const target = options.vocabSize - specials.length;
  if (target < 256) throw new RangeError(`vocab size ${options.vocabSize} is below 256 bytes + ${specials.length} special tokens`);
  if (options.vocabSize >= SHIFT) throw new RangeError(`vocab size ${options.vocabSize} is above ${SHIFT}`);
  const minFrequency = options.minFrequency ?? 2;
  const enc = new TextEncoder();
  const tokens: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const known = new Map<string, number>(tokens.map((t, id) => [Buffer.from(t).toString('latin1'), id]));

  // Words (distinct pre-tokens) as id sequences with their counts.
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, n] of counts) {
    const bytes = enc.encode(piece);
    if (bytes.length < 2) continue;
    words.push(Array.from(bytes));
    freq.push(n);
  }
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  words.forEach((w, wi) => {
    for (let k = 0; k + 1 < w.length; k++) {
      const p = key(w[k], w[k + 1]);
      pairCount.set(p, (pairCount.get(p) ?? 0) + freq[wi]);
      let s = where.get(p);
      if (!s) where.set(p, (s = new Set()));
      s.add(wi);
    }
  });
  const heap = new PairHeap();
  for (const [p, c] of pairCount) heap.push(c, p);

  const merges: [number, number][] = [];
  while (tokens.length < target && heap.size > 0) {
    const [count, p] = heap.pop();
    const current = pairCount.get(p) ?? 0;
    if (current !== count) {
      // Stale entry: the count changed since it was pushed; requeue with the current one.
      if (current > 0) heap.push(current, p);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(p / SHIFT);
    const b = p - a * SHIFT;
    const bytes = new Uint8Array(tokens[a].length + tokens[b].length);
    bytes.set(tokens[a]);
    bytes.set(tokens[b], tokens[a].length);
    const name = Buffer.from(bytes).toString('latin1');
    let id = known.get(name);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(bytes);
      known.set(name, id);
    }
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const wi of where.get(p) ?? []) mergeWord(wi, a, b, id, touched);
    where.delete(p);
    pairCount.delete(p);
    for (const t of touched) {
      const c = pairCount.get(t) ?? 0;
      if (c > 0) heap.push(c, t);
    }
  }
  const specialIds: [string, number][] = specials.map((s, i) => [s, tokens.length + i]);
  return { tokens, merges, specials: specialIds };

  function mergeWord(wi: number, a: number, b: number, merged: number, touched: Set<number>): void {
    const w = words[wi];
    const n = freq[wi];
    const bump = (x: number, y: number, delta: number): void => {
      const p = key(x, y);
      pairCount.set(p, (pairCount.get(p) ?? 0) + delta);
      touched.add(p);
      if (delta > 0) {
        let s = where.get(p);
        if (!s) where.set(p, (s = new Set()));
        s.add(wi);
      }
    };
    let k = 0;
    while (k + 1 < w.length) {
      if (w[k] !== a || w[k + 1] !== b) {
        k++;
        continue;
      }
      if (k > 0) {
        bump(w[k - 1], a, -n);
        bump(w[k - 1], merged, n);
      }
      if (k + 2 < w.length) {
        bump(b, w[k + 2], -n);
        bump(merged, w[k + 2], n);
      }
      w.splice(k, 2, merged);
      k++;
    }
  }
}

/** Max-heap of (count, pair key); ties go to the smaller key so training is deterministic. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, k: number): void {
    this.counts.push(count);
    this.keys.push(k);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.above(l, best)) best = l;
        if (r < this.counts.length && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}
