/** A growable Uint32Array the encoders append token ids to, so a batch needs one allocation. */
export class TokenBuffer {
  data: Uint32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }

  /** Makes room for `extra` more ids. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /** Appends one id. */
  push(id: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = id;
  }

  /** Appends ids. */
  append(ids: Uint32Array): void {
    this.reserve(ids.length);
    this.data.set(ids, this.length);
    this.length += ids.length;
  }

  /** A copy of the ids appended so far. */
  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}
