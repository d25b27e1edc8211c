// Open-addressing hash table from a pair of token ids to (merged id, merge priority), in typed
// arrays: the BPE inner loop probes it once per adjacent pair, and a JS Map keyed by a pair
// number would box keys above 2^31 (o200k's 200k x 200k pair space).

const EMPTY = -1;

/** How a BPE merges: the priority of merging two adjacent ids (lower first, -1 never) and the result. */
export interface MergeRules {
  priority(a: number, b: number): number;
  /** Only valid when priority(a, b) >= 0. */
  merged(a: number, b: number): number;
}

/** Maps (left id, right id) to the id they merge into and that merge's priority (lower first). */
export class PairTable implements MergeRules {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.mask = cap - 1;
    this.keys = new Int32Array(cap * 2).fill(EMPTY);
    this.values = new Int32Array(cap * 2);
  }

  /** Number of pairs stored. */
  get size(): number {
    return this.count;
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    h ^= h >>> 15;
    let s = h & this.mask;
    const keys = this.keys;
    for (;;) {
      const k = keys[s * 2];
      if (k === EMPTY || (k === a && keys[s * 2 + 1] === b)) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Sets the merge of (a, b); a repeated pair overwrites, as HF tokenizers' merge map does. */
  set(a: number, b: number, merged: number, priority: number): void {
    if (this.count * 2 >= this.mask) this.grow();
    const s = this.slot(a, b);
    if (this.keys[s * 2] === EMPTY) this.count++;
    this.keys[s * 2] = a;
    this.keys[s * 2 + 1] = b;
    this.values[s * 2] = merged;
    this.values[s * 2 + 1] = priority;
  }

  /** Priority of merging (a, b), or -1 when the pair never merges. */
  priority(a: number, b: number): number {
    const s = this.slot(a, b);
    return this.keys[s * 2] === EMPTY ? -1 : this.values[s * 2 + 1];
  }

  /** The stored priority of (a, b) (possibly -1), or -2 when the pair was never stored. */
  stored(a: number, b: number): number {
    const s = this.slot(a, b);
    return this.keys[s * 2] === EMPTY ? -2 : this.values[s * 2 + 1];
  }

  /** Id that (a, b) merges into; only valid when priority(a, b) >= 0. */
  merged(a: number, b: number): number {
    return this.values[this.slot(a, b) * 2];
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keys = new Int32Array(cap * 2).fill(EMPTY);
    this.values = new Int32Array(cap * 2);
    this.count = 0;
    for (let s = 0; s < oldKeys.length / 2; s++) {
      if (oldKeys[s * 2] !== EMPTY) this.set(oldKeys[s * 2], oldKeys[s * 2 + 1], oldValues[s * 2], oldValues[s * 2 + 1]);
    }
  }
}
