// The evaluation sets' n-grams, held as 64-bit keys in one open-addressing hash table (linear
// probing over typed arrays). A JS Set of BigInt or of strings costs ~50-100 B per entry and a
// hash call per probe; this costs 12 B per slot and no allocation. Written by hand because no
// maintained npm package offers a typed-array set of 64-bit keys with a value per key.
//
// Memory bound: a slot is 12 B (two key halves + the eval item's index); the table doubles when
// it is half full, so it holds between 2 and 4 slots per n-gram: 24-48 B per n-gram. An eval item
// of w words adds at most w - n + 1 n-grams (one key if w < n). The table refuses to pass
// `maxNgrams` (decontaminate config; default 16 Mi n-grams = at most 768 MiB) with an error naming
// the file and line that crossed it, rather than growing with whatever the user points it at.
import { ConfigError } from '../core/errors.js';

/** Bytes per slot: key hi, key lo, item index + 1 (0 = empty). */
export const NGRAM_SLOT_BYTES = 12;

/** The n-grams of the evaluation items, each mapped to the first item that has it. */
export class EvalNgramSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private item: Uint32Array;
  private mask: number;
  /** Distinct keys held. */
  size = 0;

  constructor(readonly maxNgrams: number, initialSlots = 1 << 16) {
    this.hi = new Uint32Array(initialSlots);
    this.lo = new Uint32Array(initialSlots);
    this.item = new Uint32Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  /** Bytes the table holds now. */
  get bytes(): number {
    return this.item.length * NGRAM_SLOT_BYTES;
  }

  /** Adds key (hi, lo) for `item` unless present; `where` names the eval record for the limit's error. */
  add(hi: number, lo: number, item: number, where: { path: string; record: string }): void {
    let i = slotOf(hi, lo) & this.mask;
    for (;;) {
      const v = this.item[i];
      if (v === 0) break;
      if (this.hi[i] === hi && this.lo[i] === lo) return;
      i = (i + 1) & this.mask;
    }
    if (this.size >= this.maxNgrams) {
      throw new ConfigError(
        `${where.path}:${where.record}: the evaluation sets pass ${this.maxNgrams} distinct n-grams (the limit; each costs up to ${NGRAM_SLOT_BYTES * 4} B); raise --max-ngrams or pass fewer eval items`,
        { path: where.path, record: where.record, key: 'maxNgrams' },
      );
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.item[i] = item + 1;
    this.size++;
    if (this.size * 2 > this.item.length) this.rehash();
  }

  /** The item index of key (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    let i = slotOf(hi, lo) & this.mask;
    for (;;) {
      const v = this.item[i];
      if (v === 0) return -1;
      if (this.hi[i] === hi && this.lo[i] === lo) return v - 1;
      i = (i + 1) & this.mask;
    }
  }

  private rehash(): void {
    const { hi, lo, item } = this;
    const slots = item.length * 2;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.item = new Uint32Array(slots);
    this.mask = slots - 1;
    for (let j = 0; j < item.length; j++) {
      if (item[j] === 0) continue;
      let i = slotOf(hi[j], lo[j]) & this.mask;
      while (this.item[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = hi[j];
      this.lo[i] = lo[j];
      this.item[i] = item[j];
    }
  }
}

// The key halves are already fmix32 outputs (word-scanner.ts ngramKey): mixing them is enough.
function slotOf(hi: number, lo: number): number {
  return (hi ^ Math.imul(lo, 0x9e3779b1)) >>> 0;
}
