// Top-k counting in fixed memory: the Space-Saving algorithm (Metwally, Agrawal, El Abbadi,
// "Efficient computation of frequent and top-k elements in data streams", ICDT 2005). At most
// `capacity` keys are held; a new key when full replaces the least-counted one and inherits its
// count as its possible overcount. Every key seen more than N / capacity times is held, and the
// counts are exact as long as no key was ever replaced (fewer distinct keys than capacity),
// which the result says. No package in the tree does this; it is twenty lines.

/** One counted key; `error` bounds how much `count` may overstate it (0 when exact). */
export interface CountedKey {
  key: string;
  count: number;
  error: number;
}

/** The top keys of a stream. */
export interface TopCounts {
  /** Values counted. */
  total: number;
  /** Keys the counter may hold at once: the memory bound. */
  capacity: number;
  /** True when no key was ever replaced: every count below is exact and no key is missing. */
  exact: boolean;
  top: CountedKey[];
}

/** Counts keys in at most `capacity` entries. */
export class BoundedCounter {
  private readonly entries = new Map<string, { count: number; error: number }>();
  private total = 0;
  private replaced = false;

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
  }

  /** Counts one occurrence of `key`. */
  add(key: string): void {
    this.total++;
    const e = this.entries.get(key);
    if (e) {
      e.count++;
      return;
    }
    if (this.entries.size < this.capacity) {
      this.entries.set(key, { count: 1, error: 0 });
      return;
    }
    // Full: replace the least-counted key. A linear scan: it happens only for keys not held,
    // and the capacity is small (hundreds), so this costs less than a heap's bookkeeping.
    let minKey = '';
    let min = Infinity;
    for (const [k, v] of this.entries) {
      if (v.count < min) {
        min = v.count;
        minKey = k;
      }
    }
    this.entries.delete(minKey);
    this.entries.set(key, { count: min + 1, error: min });
    this.replaced = true;
  }

  /** The `k` most counted keys, most first (ties by key, so the order is stable). */
  top(k: number): TopCounts {
    const top = [...this.entries]
      .map(([key, v]) => ({ key, count: v.count, error: v.error }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, k);
    return { total: this.total, capacity: this.capacity, exact: !this.replaced, top };
  }
}
