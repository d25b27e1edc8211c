// Cache from pre-token text to its token ids, probed with (text, start, end) so a hit allocates
// nothing: slicing each pre-token out for a Map lookup was the encoder's largest cost. Keys live
// in one Uint16Array pool and every slot field in a typed array, so a probe touches no JS
// object: with keys as strings in a JS array, the pointer chase to each key cost as much as
// scanning the text.

/** Memory bound: at most this many slots (keys <= 64 chars: ~40 MB worst case), then cleared. */
const MAX_SLOTS = 1 << 19;
// The table starts small and doubles at half full: real text has tens of thousands of distinct
// pre-tokens, and a table that fits the CPU caches probes ~2x faster than a 512K-slot one.
const MIN_SLOTS = 1 << 15;

/** Open-addressing table of pre-token → single id (number) or several ids (Uint32Array). */
export class PieceCache {
  private slots = MIN_SLOTS;
  /** Hash of each slot's key; 0 marks an empty slot (a key never hashes to 0). */
  private hashes = new Int32Array(MIN_SLOTS);
  private starts = new Int32Array(MIN_SLOTS);
  private lengths = new Uint8Array(MIN_SLOTS);
  /** An id (>= 0), or -(1 + index into `multi`) for several ids. */
  private values = new Int32Array(MIN_SLOTS);
  private multi: Uint32Array[] = [];
  private chars = new Uint16Array(MIN_SLOTS * 8);
  private used = 0;
  private count = 0;
  /** Slot found by the last `find`, for `insert`. */
  private lastSlot = 0;
  private lastHash = 0;

  /** Ids cached for text[start, end) (at most 255 chars), or undefined (then `insert` stores them). */
  find(text: string, start: number, end: number): number | Uint32Array | undefined {
    const len = end - start;
    let h = 0x811c9dc5 ^ len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= h >>> 13;
    if (h === 0) h = 1;
    const mask = this.slots - 1;
    const hashes = this.hashes;
    let s = h & mask;
    for (;;) {
      const hs = hashes[s];
      if (hs === 0) break;
      if (hs === h && this.lengths[s] === len) {
        const chars = this.chars;
        const o = this.starts[s] - start;
        let i = start;
        while (i < end && chars[o + i] === text.charCodeAt(i)) i++;
        if (i === end) {
          const v = this.values[s];
          return v >= 0 ? v : this.multi[-1 - v];
        }
      }
      s = (s + 1) & mask;
    }
    this.lastSlot = s;
    this.lastHash = h;
    return undefined;
  }

  /** Stores ids for the key of the last missed `find` (keys over 255 chars are not stored). */
  insert(key: string, ids: number | Uint32Array): void {
    if (key.length > 255) return;
    if (this.count >= this.slots >> 1) {
      if (this.slots < MAX_SLOTS) this.grow();
      else this.clear();
      this.lastSlot = this.freeSlot(this.lastHash);
    }
    if (this.used + key.length > this.chars.length) {
      const next = new Uint16Array(Math.max(this.chars.length * 2, this.used + key.length));
      next.set(this.chars.subarray(0, this.used));
      this.chars = next;
    }
    const s = this.lastSlot;
    for (let i = 0; i < key.length; i++) this.chars[this.used + i] = key.charCodeAt(i);
    this.hashes[s] = this.lastHash;
    this.starts[s] = this.used;
    this.lengths[s] = key.length;
    if (typeof ids === 'number') {
      this.values[s] = ids;
    } else {
      this.values[s] = -1 - this.multi.length;
      this.multi.push(ids);
    }
    this.used += key.length;
    this.count++;
  }

  private clear(): void {
    this.hashes.fill(0);
    this.multi = [];
    this.used = 0;
    this.count = 0;
  }

  private grow(): void {
    const { hashes, starts, lengths, values } = this;
    this.slots *= 2;
    this.hashes = new Int32Array(this.slots);
    this.starts = new Int32Array(this.slots);
    this.lengths = new Uint8Array(this.slots);
    this.values = new Int32Array(this.slots);
    for (let s = 0; s < hashes.length; s++) {
      if (hashes[s] === 0) continue;
      const to = this.freeSlot(hashes[s]);
      this.hashes[to] = hashes[s];
      this.starts[to] = starts[s];
      this.lengths[to] = lengths[s];
      this.values[to] = values[s];
    }
  }

  /** First empty slot on the probe path of hash `h`. */
  private freeSlot(h: number): number {
    const mask = this.slots - 1;
    let s = h & mask;
    while (this.hashes[s] !== 0) s = (s + 1) & mask;
    return s;
  }
}
