// The one word definition of dedupe's n-gram measures (MinHash shingles, decontamination): a
// Unicode scanner over the char-classes.ts tables that case-folds while it hashes, so no word
// string is ever built. Each word gets two independent 32-bit hashes, so an n-gram is identified
// by 64 bits (a collision between distinct n-grams is ~2^-64, not 2^-32 as with one lane).
import { fmix32 } from '../core/seeded-random.js';
import { CHAR_CLASS, LOWER, SEPARATOR, STANDALONE, WORD, classifyAstral } from './char-classes.js';

/** Scans texts into hashed words; reuses its buffers, so one instance per thread. */
export class WordScanner {
  /** First hash lane of each word of the last scan. */
  w1 = new Uint32Array(4096);
  /** Second hash lane of each word. */
  w2 = new Uint32Array(4096);
  /** UTF-16 offset where each word starts in the scanned text. */
  starts = new Int32Array(4096);
  /** UTF-16 offset just past each word. */
  ends = new Int32Array(4096);
  /** Words of the last scan. */
  count = 0;
  /**
   * Fold each word that has non-ASCII characters with NFKC before hashing (full-width letters,
   * ligatures, superscripts), as exact dedupe folds whole texts (normalize.ts). Per word, so the
   * offsets stay those of the text as given. Off for MinHash: its signatures are stored in
   * persistent indexes and must not change.
   */
  constructor(private readonly nfkc = false) {}

  private push(h1: number, h2: number, len: number, start: number, end: number): void {
    if (this.count === this.w1.length) this.grow();
    // Length goes into the finaliser so "ab"+"c" and "a"+"bc" style prefixes separate cleanly.
    this.w1[this.count] = fmix32(h1 ^ len);
    this.w2[this.count] = fmix32(h2 ^ Math.imul(len, 0x27d4eb2f));
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  private grow(): void {
    const n = this.count * 2;
    const w1 = new Uint32Array(n);
    w1.set(this.w1);
    this.w1 = w1;
    const w2 = new Uint32Array(n);
    w2.set(this.w2);
    this.w2 = w2;
    const s = new Int32Array(n);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(n);
    e.set(this.ends);
    this.ends = e;
  }

  /** Splits text into case-folded Unicode words and hashes each; returns the word count. */
  scan(text: string): number {
    this.count = 0;
    let h1 = 0x9747b28c;
    let h2 = 0x1b873593;
    let len = 0;
    let start = 0;
    let wide = false;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const at = i;
      let c = text.charCodeAt(i);
      let cls: number;
      if (c < 0xd800 || c > 0xdfff) {
        cls = CHAR_CLASS[c];
        c = LOWER[c];
      } else if (c <= 0xdbff && i + 1 < n) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
          cls = classifyAstral(c);
        } else cls = SEPARATOR;
      } else cls = SEPARATOR;
      if (cls === WORD) {
        if (len === 0) start = at;
        if (c >= 0x80) wide = true;
        h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
        h1 = (h1 << 15) | (h1 >>> 17);
        h2 = Math.imul(h2 ^ c, 0x01000193);
        h2 = (h2 << 13) | (h2 >>> 19);
        len++;
        continue;
      }
      if (len > 0) {
        if (wide && this.nfkc) this.pushFolded(text, start, at);
        else this.push(h1, h2, len, start, at);
        h1 = 0x9747b28c;
        h2 = 0x1b873593;
        len = 0;
        wide = false;
      }
      if (cls === STANDALONE) {
        // Of the standalone scripts only compatibility forms change under NFKC (ideographs
        // U+F900 on, half-width katakana U+FF65 on): the others skip the slice and normalize.
        if (this.nfkc && c >= 0xf900) this.pushFolded(text, at, i + 1);
        else this.push(Math.imul(c, 0xcc9e2d51) ^ 0x9747b28c, Math.imul(c, 0x01000193) ^ 0x1b873593, 1, at, i + 1);
      }
    }
    if (len > 0) {
      if (wide && this.nfkc) this.pushFolded(text, start, n);
      else this.push(h1, h2, len, start, n);
    }
    return this.count;
  }

  // The NFKC form of one word, hashed as the loop above hashes words (its separators, which NFKC
  // can introduce, e.g. U+2044 in "½" -> "1⁄2", are skipped: the word stays one word).
  private pushFolded(text: string, start: number, end: number): void {
    const w = text.slice(start, end).normalize('NFKC');
    let h1 = 0x9747b28c;
    let h2 = 0x1b873593;
    let len = 0;
    for (let i = 0; i < w.length; i++) {
      let c = w.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < w.length) {
        c = ((c - 0xd800) << 10) + (w.charCodeAt(i + 1) - 0xdc00) + 0x10000;
        i++;
        if (classifyAstral(c) === SEPARATOR) continue;
      } else {
        if (CHAR_CLASS[c] === SEPARATOR) continue;
        c = LOWER[c];
      }
      h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
      h1 = (h1 << 15) | (h1 >>> 17);
      h2 = Math.imul(h2 ^ c, 0x01000193);
      h2 = (h2 << 13) | (h2 >>> 19);
      len++;
    }
    if (len > 0) this.push(h1, h2, len, start, end);
  }
}

/**
 * 64-bit key of the words [s, s + n) of the last scan, as two 32-bit halves in out[0], out[1]:
 * the shingle identity MinHash permutes and decontamination looks up. `n` goes into the first
 * half, so a whole short item (fewer words than the n-gram size) never equals an n-gram.
 */
export function ngramKey(scanner: WordScanner, s: number, n: number, out: Uint32Array): void {
  const w1 = scanner.w1;
  const w2 = scanner.w2;
  let a = 0x3c6ef372;
  let b = 0x510e527f;
  for (let j = 0; j < n; j++) {
    a = Math.imul(a ^ w1[s + j], 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w2[s + j], 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  out[0] = fmix32(a ^ n);
  out[1] = fmix32(b);
}
