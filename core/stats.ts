/** Named counters a task keeps (kept, dropped_<reason>, tokens, ...); persisted with each commit. */
export class Stats {
  private readonly counts = new Map<string, number>();

  constructor(initial?: Record<string, number>) {
    if (initial) for (const [k, v] of Object.entries(initial)) this.counts.set(k, v);
  }

  /** Adds `n` to counter `name`. */
  inc(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** Drops every counter: what follows counts a new round of work (a re-crawl's generation) on its own. */
  clear(): void {
    this.counts.clear();
  }

  /** Current value of a counter (0 when never counted). */
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** A plain object copy, keys sorted so files diff cleanly. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** Sums several counter objects into one. */
export function sumStats(all: Iterable<Record<string, number>>): Record<string, number> {
  const total = new Stats();
  for (const s of all) for (const [k, v] of Object.entries(s)) total.inc(k, v);
  return total.toJSON();
}
