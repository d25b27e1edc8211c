// Disjoint sets over a run's documents, by dense input position. Memory: one Int32Array of
// 4 bytes per document (a 1 GB --memory budget allows ~100 M documents with room for the rest);
// dedupe-run.ts checks this bound before allocating. Roots are always the cluster's earliest
// (or latest) member, so "which one is kept" needs no second pass.

/** Which member of a cluster survives. */
export type KeepPolicy = 'first' | 'last';

/** Union-find with path halving whose root is the min (first) or max (last) member. */
export class UnionFind {
  readonly parent: Int32Array;
  private readonly keepLast: boolean;

  constructor(sizeOrParent: number | Int32Array, keep: KeepPolicy = 'first') {
    this.keepLast = keep === 'last';
    if (typeof sizeOrParent === 'number') {
      this.parent = new Int32Array(sizeOrParent);
      for (let i = 0; i < sizeOrParent; i++) this.parent[i] = i;
    } else this.parent = sizeOrParent;
  }

  /** Root of x's set. */
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }

  /** Merges the sets of a and b; returns false when they were already one set. */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    // The root stays the policy's survivor, so union is O(depth) without ranks; path halving
    // keeps trees shallow in practice (clusters are small next to the corpus).
    if (ra < rb !== this.keepLast) this.parent[rb] = ra;
    else this.parent[ra] = rb;
    return true;
  }
}
