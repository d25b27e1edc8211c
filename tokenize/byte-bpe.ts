// Byte-level BPE encoder: pre-tokenize, then merge the UTF-8 bytes of each pre-token by
// priority, caching the result per pre-token string. This is tiktoken's algorithm; the merge
// table is keyed by id pairs (see pair-table.ts) so both tiktoken ranks (priority = rank of the
// merged token) and HF merges (priority = merge index) run exactly.
import type { MergeRules } from './pair-table.js';
import { PieceCache } from './piece-cache.js';
import { TokenBuffer } from './token-buffer.js';

/** Returns the end of the pre-token starting at `start`. */
export type PieceSplitter = (text: string, start: number) => number;

/** Everything a byte-level BPE encoder needs. */
export interface ByteBpeSpec {
  /** Bytes of each token by id (special tokens too); undefined for unused ids. */
  tokenBytes: (Uint8Array | undefined)[];
  /** Id of each single byte. */
  byteIds: Int32Array;
  pairs: MergeRules;
  /**
   * Id of the token whose bytes are `key` (one latin1 char per byte). When present, the
   * whole-token shortcut looks pre-tokens up here instead of building a map of every token's
   * text (~10 ms and 50k strings per loaded tokenizer, paid by every encode worker).
   */
  tokenOfBytes?(key: string): number | undefined;
  /** tiktoken emits a pre-token that is itself a token without merging; HF only with ignore_merges. */
  wholeTokenShortcut: boolean;
  splitPiece: PieceSplitter;
  /** Tokens matched in the text before pre-tokenization (HF added tokens); none for tiktoken's encode_ordinary. */
  specialTokens?: Map<string, number>;
}

// Pre-tokens longer than this are not cached: they are rare and would pin big strings.
const CACHE_MAX_PIECE = 64;
// Above this many bytes a pre-token merges with a heap (n log n) instead of rescanning (n^2).
const HEAP_THRESHOLD = 96;

const utf8 = new TextDecoder('utf-8');

/** Exact byte-level BPE over a pre-tokenizer; one instance per thread (it owns scratch buffers). */
export class ByteBpe {
  private readonly cache = new PieceCache();
  private readonly wholeTokens = new Map<string, number>();
  private readonly spec: ByteBpeSpec;
  private readonly specialPattern?: RegExp;
  private bytes = new Uint8Array(256);
  private ids = new Int32Array(256);
  private prios = new Int32Array(256);
  /** Whether the last utf8Into replaced a lone surrogate. */
  private replaced = false;

  constructor(spec: ByteBpeSpec) {
    this.spec = spec;
    if (spec.wholeTokenShortcut && !spec.tokenOfBytes) {
      spec.tokenBytes.forEach((b, id) => {
        if (b === undefined) return;
        const s = decodeStrict(b);
        if (s !== undefined && !spec.specialTokens?.has(s) && !this.wholeTokens.has(s)) this.wholeTokens.set(s, id);
      });
    }
    if (spec.specialTokens && spec.specialTokens.size > 0) {
      // Longest first so a token that prefixes another never wins.
      const alts = [...spec.specialTokens.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.specialPattern = new RegExp(alts.join('|'), 'g');
    }
  }

  /** Token ids of `text`. */
  encode(text: string): Uint32Array {
    const out = new TokenBuffer(Math.max(16, text.length >> 2));
    this.encodeInto(text, out);
    return out.toArray();
  }

  /** Appends the token ids of `text` to `out`. */
  encodeInto(text: string, out: TokenBuffer): void {
    const pattern = this.specialPattern;
    if (pattern === undefined) {
      this.encodeOrdinary(text, out);
      return;
    }
    pattern.lastIndex = 0;
    let from = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (m.index > from) this.encodeOrdinary(text.slice(from, m.index), out);
      out.push(this.spec.specialTokens!.get(m[0])!);
      from = m.index + m[0].length;
    }
    if (from < text.length) this.encodeOrdinary(from === 0 ? text : text.slice(from), out);
  }

  private encodeOrdinary(text: string, out: TokenBuffer): void {
    const split = this.spec.splitPiece;
    const cache = this.cache;
    const byteIds = this.spec.byteIds;
    const len = text.length;
    // Grows by doubling: reserving `len` up front would hold 4 bytes per char of a huge document
    // when real text needs about one token per 4 chars.
    out.reserve(Math.min(len, 1 << 16));
    let i = 0;
    while (i < len) {
      const end = split(text, i);
      if (out.length + 1 > out.data.length) out.reserve(1);
      if (end === i + 1) {
        // A one-character ASCII pre-token (newline, punctuation) is its byte's token: skip the cache.
        const c = text.charCodeAt(i);
        if (c < 0x80) {
          out.data[out.length++] = byteIds[c];
          i = end;
          continue;
        }
      }
      const cacheable = end - i <= CACHE_MAX_PIECE;
      let v = cacheable ? cache.find(text, i, end) : undefined;
      if (v === undefined) {
        const piece = text.slice(i, end);
        v = this.mergePiece(piece);
        if (cacheable) cache.insert(piece, v);
      }
      i = end;
      if (typeof v === 'number') {
        out.data[out.length++] = v;
      } else {
        out.reserve(v.length);
        out.data.set(v, out.length);
        out.length += v.length;
      }
    }
  }

  /** Token ids of one pre-token: a single id as a number, several as an array. */
  private mergePiece(piece: string): number | Uint32Array {
    const byBytes = this.spec.wholeTokenShortcut ? this.spec.tokenOfBytes : undefined;
    if (byBytes === undefined) {
      const whole = this.wholeTokens.get(piece);
      if (whole !== undefined) return whole;
    }
    const n = this.utf8Into(piece);
    if (byBytes !== undefined && !this.replaced) {
      // An ASCII piece is its own latin1 key. A piece with a lone surrogate never matches a
      // token's text (which is valid UTF-8), so its U+FFFD bytes are not looked up either.
      const whole = byBytes(n === piece.length ? piece : latin1(this.bytes, n));
      if (whole !== undefined && !this.spec.specialTokens?.has(piece)) return whole;
    }
    if (this.ids.length < n) {
      this.ids = new Int32Array(n * 2);
      this.prios = new Int32Array(n * 2);
    }
    const ids = this.ids;
    const byteIds = this.spec.byteIds;
    for (let k = 0; k < n; k++) ids[k] = byteIds[this.bytes[k]];
    const count = n > HEAP_THRESHOLD ? this.mergeHeap(n) : this.mergeScan(n);
    return count === 1 ? ids[0] : Uint32Array.from(ids.subarray(0, count));
  }

  // Rescans the pair priorities after each merge: fastest for the short pieces of real text.
  private mergeScan(n: number): number {
    const ids = this.ids;
    const prios = this.prios;
    const pairs = this.spec.pairs;
    for (let k = 0; k + 1 < n; k++) prios[k] = pairs.priority(ids[k], ids[k + 1]);
    while (n > 1) {
      let best = -1;
      let bestPrio = 0x7fffffff;
      for (let k = 0; k + 1 < n; k++) {
        const p = prios[k];
        if (p >= 0 && p < bestPrio) {
          bestPrio = p;
          best = k;
        }
      }
      if (best < 0) break;
      ids[best] = pairs.merged(ids[best], ids[best + 1]);
      ids.copyWithin(best + 1, best + 2, n);
      prios.copyWithin(best + 1, best + 2, n - 1);
      n--;
      if (best + 1 < n) prios[best] = pairs.priority(ids[best], ids[best + 1]);
      if (best > 0) prios[best - 1] = pairs.priority(ids[best - 1], ids[best]);
    }
    return n;
  }

  // Linked list of parts plus a min-heap of (priority, position); stale entries are skipped by
  // re-checking the pair at that position. A pair's priority identifies its merge result, so a
  // surviving entry with the same priority is the same merge. Ties go to the leftmost pair.
  private mergeHeap(n: number): number {
    const ids = this.ids;
    const pairs = this.spec.pairs;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
    }
    const heap = new MinHeap(n);
    for (let k = 0; k + 1 < n; k++) {
      const p = pairs.priority(ids[k], ids[k + 1]);
      if (p >= 0) heap.push(p * 4294967296 + k);
    }
    while (heap.size > 0) {
      const key = heap.pop();
      const pos = key % 4294967296;
      const prio = (key - pos) / 4294967296;
      const right = next[pos];
      if (right < 0 || prev[pos] === -2 || pairs.priority(ids[pos], ids[right]) !== prio) continue;
      ids[pos] = pairs.merged(ids[pos], ids[right]);
      const after = next[right];
      next[pos] = after;
      if (after >= 0) prev[after] = pos;
      prev[right] = -2; // removed
      if (after >= 0) {
        const p = pairs.priority(ids[pos], ids[after]);
        if (p >= 0) heap.push(p * 4294967296 + pos);
      }
      const before = prev[pos];
      if (before >= 0) {
        const p = pairs.priority(ids[before], ids[pos]);
        if (p >= 0) heap.push(p * 4294967296 + before);
      }
    }
    let count = 0;
    for (let k = 0; k >= 0; k = next[k]) ids[count++] = ids[k];
    return count;
  }

  // UTF-8 of `piece` into this.bytes (lone surrogates become U+FFFD, as TextEncoder does, and
  // set `replaced`).
  private utf8Into(piece: string): number {
    if (this.bytes.length < piece.length * 3) this.bytes = new Uint8Array(piece.length * 3 + 16);
    const b = this.bytes;
    let n = 0;
    this.replaced = false;
    for (let k = 0; k < piece.length; k++) {
      let c = piece.charCodeAt(k);
      if (c < 0x80) {
        b[n++] = c;
      } else if (c < 0x800) {
        b[n++] = 0xc0 | (c >> 6);
        b[n++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = k + 1 < piece.length ? piece.charCodeAt(k + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            k++;
            b[n++] = 0xf0 | (c >> 18);
            b[n++] = 0x80 | ((c >> 12) & 63);
            b[n++] = 0x80 | ((c >> 6) & 63);
            b[n++] = 0x80 | (c & 63);
            continue;
          }
          c = 0xfffd;
          this.replaced = true;
        }
        b[n++] = 0xe0 | (c >> 12);
        b[n++] = 0x80 | ((c >> 6) & 63);
        b[n++] = 0x80 | (c & 63);
      }
    }
    return n;
  }

  /** The text of `ids` (bytes joined, then UTF-8 decoded with U+FFFD for partial characters). */
  decode(ids: ArrayLike<number>): string {
    const tb = this.spec.tokenBytes;
    let total = 0;
    for (let k = 0; k < ids.length; k++) total += tb[ids[k]]?.length ?? 0;
    const buf = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < ids.length; k++) {
      const b = tb[ids[k]];
      if (b === undefined) throw new RangeError(`token id ${ids[k]} is not in the vocabulary`);
      buf.set(b, at);
      at += b.length;
    }
    return utf8.decode(buf);
  }
}

function latin1(bytes: Uint8Array, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String.fromCharCode(bytes[k]);
  return s;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeStrict(b: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(b);
  } catch {
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Binary min-heap of numbers in a Float64Array (keys pack priority and position). */
class MinHeap {
  private items: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(16, capacity));
  }

  push(v: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= v) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && a[child + 1] < a[child]) child++;
      if (a[child] >= last) break;
      a[i] = a[child];
      i = child;
    }
    a[i] = last;
    return top;
  }
}
