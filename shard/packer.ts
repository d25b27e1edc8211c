/** Receives each packed row; the array is reused, so copy what you keep. */
export interface RowSink {
  row(tokens: Uint16Array | Uint32Array): void;
}

/** What a packer holds between documents: enough to resume packing exactly. */
export interface PackerState {
  /** Tokens of the row being filled (the first is the previous row's last token). */
  pending: number[];
  rows: number;
}

/**
 * Packs documents end to end into rows of `rowLength` tokens with `eosId` after each document.
 * Row i+1 starts with the last token of row i, so each row is an input/target pair of
 * rowLength - 1 predictions and no token is lost at row boundaries.
 */
export class Packer {
  private readonly pending: Uint16Array | Uint32Array;
  private fill = 0;
  private rowsOut = 0;

  constructor(
    private readonly rowLength: number,
    private readonly eosId: number,
    private readonly sink: RowSink,
    dtype: 'uint16' | 'uint32',
    state?: PackerState,
  ) {
    if (rowLength < 2) throw new RangeError(`row length must be at least 2, got ${rowLength}`);
    this.pending = dtype === 'uint16' ? new Uint16Array(rowLength) : new Uint32Array(rowLength);
    if (state) {
      this.pending.set(state.pending);
      this.fill = state.pending.length;
      this.rowsOut = state.rows;
    }
  }

  /** Rows emitted so far. */
  get rows(): number {
    return this.rowsOut;
  }

  /** Appends one document and the EOS after it. */
  push(tokens: Int32Array | Uint16Array | Uint32Array | readonly number[]): void {
    this.pushSpan(tokens, true);
  }

  /** Appends a piece of a document, with its EOS only when `eos` (a takedown rebuild copies pieces). */
  pushSpan(tokens: Int32Array | Uint16Array | Uint32Array | readonly number[], eos: boolean): void {
    const view = ArrayBuffer.isView(tokens) ? tokens : Int32Array.from(tokens);
    let off = 0;
    while (off < view.length) {
      const n = Math.min(view.length - off, this.rowLength - this.fill);
      this.pending.set(view.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.rowLength) this.emit();
    }
    if (!eos) return;
    this.pending[this.fill++] = this.eosId;
    if (this.fill === this.rowLength) this.emit();
  }

  private emit(): void {
    this.sink.row(this.pending);
    this.rowsOut++;
    this.pending[0] = this.pending[this.rowLength - 1];
    this.fill = 1;
  }

  /** Emits the last partial row padded with EOS; returns the pad tokens added. */
  finish(): number {
    // A lone carried token is already the last token of the previous row: nothing new to emit.
    if (this.fill === 0 || (this.fill === 1 && this.rowsOut > 0)) {
      this.fill = 0;
      return 0;
    }
    const pad = this.rowLength - this.fill;
    this.pending.fill(this.eosId, this.fill);
    this.fill = this.rowLength;
    this.sink.row(this.pending);
    this.rowsOut++;
    this.fill = 0;
    return pad;
  }

  /** A JSON snapshot taken between documents. */
  state(): PackerState {
    return { pending: Array.from(this.pending.subarray(0, this.fill)), rows: this.rowsOut };
  }
}
