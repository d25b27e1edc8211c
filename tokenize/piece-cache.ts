// Cache from pre-token text to its token ids, probed with (text, start, end) so a hit allocates
// nothing: slicing each pre-token out for a Map lookup was the encoder's largest cost.

/** Memory bound: at most this many entries (keys <= 64 chars: ~40 MB worst case), then cleared. */
const SLOTS = 1 << 19;
const MAX_FILL = SLOTS >> 1;

/** Open-addressing table of pre-token → single id (number) or several ids (Uint32Array). */
export class PieceCache {
  private keys: (string | undefined)[] = new Array(SLOTS);
  private hashes = new Int32Array(SLOTS);
  private values: (number | Uint32Array)[] = new Array(SLOTS);
  private count = 0;
  /** Slot found by the last `find`, for `insert`. */
  private lastSlot = 0;
  private lastHash = 0;

  /** Ids cached for text[start, end), or undefined (then `insert` stores them). */
  find(text: string, start: number, end: number): number | Uint32Array | undefined {
    let h = 0x811c9dc5 ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 13;
    const mask = SLOTS - 1;
    let s = h & mask;
    const len = end - start;
    for (;;) {
      const k = this.keys[s];
      if (k === undefined) break;
      if (this.hashes[s] === h && k.length === len && sameChars(k, text, start, len)) return this.values[s];
      s = (s + 1) & mask;
    }
    this.lastSlot = s;
    this.lastHash = h;
    return undefined;
  }

  /** Stores ids for the key of the last missed `find`. */
  insert(key: string, ids: number | Uint32Array): void {
    if (this.count >= MAX_FILL) {
      this.keys = new Array(SLOTS);
      this.values = new Array(SLOTS);
      this.count = 0;
      // The remembered slot is still empty in the new table but may no longer be the first
      // free one on the probe path; re-probing is unnecessary since the table is empty.
      this.lastSlot = this.lastHash & (SLOTS - 1);
    }
    this.keys[this.lastSlot] = key;
    this.hashes[this.lastSlot] = this.lastHash;
    this.values[this.lastSlot] = ids;
    this.count++;
  }
}

// Short keys (pre-tokens average ~4 chars) compare faster in a JS loop than through startsWith.
function sameChars(key: string, text: string, start: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
