// Reads this rank's rows in epoch order: fetches whole chunks (record batches) through a
// ByteSource, checks each against the checksum in the index, and keeps the current chunk plus
// `readAhead` upcoming ones in flight. Memory bound: (1 + readAhead) chunks of <= 8 MiB.
import { checksum } from '../../core/checksum.js';
import { CorruptPartError } from '../../core/errors.js';
import type { ShardEntry } from '../../core/shard-index.js';
import type { ByteSource } from './byte-source.js';
import { type EpochPlan, chunkAt, chunkRowOrder } from './epoch-plan.js';

/** Largest record batch the loader will read in one piece. */
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

interface LoadedChunk {
  view: Uint16Array | Uint32Array;
  order: Uint32Array;
}

export interface RowReaderOptions {
  plan: EpochPlan;
  shards: readonly ShardEntry[];
  sources: readonly ByteSource[];
  rowLength: number;
  tokenBytes: 2 | 4;
  seed: number;
  epoch: number;
  verify: boolean;
  readAhead: number;
}

/** Copies rows of the epoch sequence into Int32Array batches. */
export class RowReader {
  private readonly loaded = new Map<number, Promise<LoadedChunk>>();
  private readonly sized = new Map<number, Promise<void>>();
  bytesRead = 0;

  constructor(private readonly o: RowReaderOptions) {}

  private checkSize(shard: number): Promise<void> {
    let p = this.sized.get(shard);
    if (!p) {
      const entry = this.o.shards[shard];
      const src = this.o.sources[shard];
      p = src.size().then((size) => {
        if (size !== entry.bytes) {
          throw new CorruptPartError(`shard ${src.location} has ${size} bytes, the index says ${entry.bytes} (truncated or replaced)`, { path: src.location });
        }
      });
      this.sized.set(shard, p);
    }
    return p;
  }

  private load(k: number): Promise<LoadedChunk> {
    let p = this.loaded.get(k);
    if (!p) {
      const chunk = this.o.plan.chunks[k];
      const src = this.o.sources[chunk.shard];
      const length = chunk.rows * this.o.rowLength * this.o.tokenBytes;
      // Record batches are written at 1-8 MiB; an index claiming far more is damaged or hostile,
      // and believing it would allocate whatever it says.
      const sane = length <= MAX_CHUNK_BYTES && chunk.offset + length <= this.o.shards[chunk.shard].bytes;
      p = (sane ? this.checkSize(chunk.shard) : Promise.reject(new CorruptPartError(`index entry for ${src.location} names a record batch of ${length} bytes at ${chunk.offset}, outside the file or over ${MAX_CHUNK_BYTES} bytes`, { path: src.location })))
        .then(() => src.read(chunk.offset, length))
        .then((bytes) => {
          this.bytesRead += bytes.byteLength;
          if (this.o.verify && checksum(bytes) !== chunk.checksum) {
            throw new CorruptPartError(`shard ${src.location}: checksum mismatch in the record batch at byte ${chunk.offset} (corrupt file)`, { path: src.location, record: chunk.offset });
          }
          const n = chunk.rows * this.o.rowLength;
          const view = this.o.tokenBytes === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint32Array(bytes.buffer, bytes.byteOffset, n);
          return { view, order: chunkRowOrder(chunk, this.o.seed, this.o.epoch) };
        });
      // Keep unhandled-rejection noise away until someone awaits it.
      p.catch(() => undefined);
      this.loaded.set(k, p);
    }
    return p;
  }

  /** Fills `out` with `count` rows starting at global row `g` of the epoch sequence. */
  async readRows(g: number, count: number, out: Int32Array): Promise<void> {
    const L = this.o.rowLength;
    const plan = this.o.plan;
    let k = chunkAt(plan, g);
    for (let j = 0; j < count; ) {
      // Drop chunks behind us; start fetching the ones ahead.
      for (const key of this.loaded.keys()) if (key < k) this.loaded.delete(key);
      for (let a = 1; a <= this.o.readAhead && k + a < plan.chunks.length; a++) {
        if (plan.starts[k + a] < plan.hi) this.load(k + a);
      }
      const chunk = await this.load(k);
      const base = plan.starts[k];
      const end = Math.min(plan.starts[k + 1], g + count);
      for (let row = g + j; row < end; row++, j++) {
        const r = chunk.order[row - base];
        out.set(chunk.view.subarray(r * L, r * L + L), j * L);
      }
      k++;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.o.sources.map((s) => s.close()));
  }
}
