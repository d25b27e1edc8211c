// Test helper (not a test): an in-memory BatchSource over a synthetic corpus, standing in for the
// streaming loader so trainer tests need no shards on disk.
import { hashInts32, seededPermutation, seededRandom } from '../../core/seeded-random.js';
import type { Batch, BatchSource, OpenSource } from '../../train/data-source.js';

/** A synthetic token stream: next = (3·prev + 1) mod V with probability 1−noise, else uniform. */
export function markovCorpus(length: number, vocabSize: number, noise: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const out = new Int32Array(length);
  out[0] = 0;
  for (let i = 1; i < length; i++) {
    out[i] = random() < noise ? Math.floor(random() * vocabSize) : (3 * out[i - 1]! + 1) % vocabSize;
  }
  return out;
}

/** Entropy (nats) of the token frequencies: the loss of the best model that ignores context. */
export function unigramEntropy(tokens: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const t of tokens) counts[t]! += 1;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / tokens.length) * Math.log(c / tokens.length);
  return h;
}

class MemorySource implements BatchSource {
  readonly eosId = undefined;
  private readonly order: Uint32Array;
  private cursor: number;

  constructor(
    private readonly tokens: Int32Array,
    readonly seqLen: number,
    readonly vocabSize: number,
    private readonly batchSize: number,
    seed: number,
    epoch: number,
    state: unknown,
    shuffle: boolean,
  ) {
    const rows = Math.floor((tokens.length - 1) / seqLen);
    this.order = seededPermutation(rows, shuffle ? hashInts32([seed, epoch]) : 0);
    if (!shuffle) this.order.forEach((_, i) => (this.order[i] = i));
    this.cursor = (state as { cursor?: number } | undefined)?.cursor ?? 0;
  }

  async next(): Promise<Batch | null> {
    if (this.cursor + this.batchSize > this.order.length) return null;
    const width = this.seqLen + 1;
    const out = new Int32Array(this.batchSize * width);
    for (let r = 0; r < this.batchSize; r++) {
      const start = this.order[this.cursor + r]! * this.seqLen;
      out.set(this.tokens.subarray(start, start + width), r * width);
    }
    this.cursor += this.batchSize;
    return { tokens: out, batchSize: this.batchSize, rowLength: width };
  }

  state(): unknown {
    return { cursor: this.cursor };
  }

  async close(): Promise<void> {}
}

/** An OpenSource over in-memory train and val token streams. */
export function memorySource(train: Int32Array, val: Int32Array, seqLen: number, vocabSize: number): OpenSource {
  return async (req) =>
    new MemorySource(req.split === 'train' ? train : val, seqLen, vocabSize, req.batchSize, req.seed, req.epoch, req.state, req.split === 'train');
}
