// Cache from pre-token text to its token ids, probed with (text, start, end) so a hit allocates
// nothing: slicing each pre-token out for a Map lookup was the encoder's largest cost.

/** Memory bound: at most this many slots (keys <= 64 chars: ~40 MB worst case), then cleared. */
const MAX_SLOTS = 1 << 19;
// The table starts small and doubles at half full: real text has tens of thousands of distinct
// pre-tokens, and a table that fits the CPU caches probes ~2x faster than a 512K-slot one.
const MIN_SLOTS = 1 << 15;

/** Open-addressing table of pre-token → single id (number) or several ids (Uint32Array). */
export class PieceCache {
  private slots = MIN_SLOTS;
  private keys: (string | undefined)[] = new Array(MIN_SLOTS);
  private hashes = new Int32Array(MIN_SLOTS);
  private values: (number | Uint32Array)[] = new Array(MIN_SLOTS);
  private count = 0;
  /** Slot found by the last `find`, for `insert`. */
  private lastSlot = 0;
  private lastHash = 0;

  /** Ids cached for text[start, end), or undefined (then `insert` stores them). */
  find(text: string, start: number, end: number): number | Uint32Array | undefined {
    let h = 0x811c9dc5 ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 13;
    const mask = this.slots - 1;
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
    if (this.count >= this.slots >> 1) {
      if (this.slots < MAX_SLOTS) this.grow();
      else this.clear();
      this.lastSlot = this.freeSlot(this.lastHash);
    }
    this.keys[this.lastSlot] = key;
    this.hashes[this.lastSlot] = this.lastHash;
    this.values[this.lastSlot] = ids;
    this.count++;
  }

  private clear(): void {
    this.keys = new Array(this.slots);
    this.values = new Array(this.slots);
    this.count = 0;
  }

  private grow(): void {
    const { keys, hashes, values } = this;
    this.slots *= 2;
    this.keys = new Array(this.slots);
    this.hashes = new Int32Array(this.slots);
    this.values = new Array(this.slots);
    for (let s = 0; s < keys.length; s++) {
      const k = keys[s];
      if (k === undefined) continue;
      const to = this.freeSlot(hashes[s]);
      this.keys[to] = k;
      this.hashes[to] = hashes[s];
      this.values[to] = values[s];
    }
  }

  /** First empty slot on the probe path of hash `h`. */
  private freeSlot(h: number): number {
    const mask = this.slots - 1;
    let s = h & mask;
    while (this.keys[s] !== undefined) s = (s + 1) & mask;
    return s;
  }
}

// Short keys (pre-tokens average ~4 chars) compare faster in a JS loop than through startsWith.
function sameChars(key: string, text: string, start: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
