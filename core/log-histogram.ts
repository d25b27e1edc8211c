// A histogram with fixed power-of-two bins, so its memory is the same for ten documents or ten
// billion: bin 0 holds 0, bin k (k >= 1) holds [2^(k-1), 2^k - 1]. Lengths up to 2^53 fit.

/** Bins: bin k is the bit length of the value; 54 covers every safe integer. */
const BINS = 54;

/** One non-empty range of a histogram, bounds inclusive. */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** A histogram as the card records it: the bins from the first to the last non-empty one. */
export interface Histogram {
  unit: string;
  values: number;
  sum: number;
  min: number | null;
  max: number | null;
  bins: HistogramBin[];
}

/** Counts non-negative integers into power-of-two bins. */
export class LogHistogram {
  private readonly counts = new Float64Array(BINS);
  private values = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly unit: string) {}

  /** Adds one value (a length: a non-negative integer). */
  add(value: number): void {
    const bin = value === 0 ? 0 : Math.floor(Math.log2(value)) + 1;
    // log2 of 2^k - 1 rounds up to k for k > ~48; the bounds check puts such a value back.
    this.counts[value > 0 && value < 2 ** (bin - 1) ? bin - 1 : bin]++;
    this.values++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** The recorded histogram. */
  toJSON(): Histogram {
    const bins: HistogramBin[] = [];
    let first = this.counts.findIndex((c) => c > 0);
    let last = BINS - 1;
    while (last >= 0 && this.counts[last] === 0) last--;
    if (first < 0) first = 0;
    for (let k = first; k <= last; k++) bins.push({ from: k === 0 ? 0 : 2 ** (k - 1), to: k === 0 ? 0 : 2 ** k - 1, count: this.counts[k] });
    return { unit: this.unit, values: this.values, sum: this.sum, min: this.values ? this.min : null, max: this.values ? this.max : null, bins };
  }
}
