// Reads this rank's rows in epoch order: fetches whole chunks (record batches) through a
// ByteSource, checks each against the checksum in the index, and keeps the current chunk plus
// `readAhead` upcoming ones in flight.
// Memory bound: (1 + readAhead) byte buffers of the plan's largest chunk (record batches are
// written at 1-8 MiB; MAX_CHUNK_BYTES refuses more), reused from chunk to chunk.
// Buffers are reused because fresh memory is expensive here: every new 1-8 MiB buffer is
// zero-filled and page-faulted in, which cost more than reading it from the page cache
// (bench/loader, contiguous 32x1024 ran at 0.13-0.16x numpy with a fresh buffer per chunk).
import { checksum } from '../../core/checksum.js';
import { CorruptPartError } from '../../core/errors.js';
import type { ShardEntry } from '../../core/shard-index.js';
import type { ByteSource } from './byte-source.js';
import { type EpochPlan, chunkAt, chunkRowOrder } from './epoch-plan.js';

/** Largest record batch the loader will read in one piece. */
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

interface LoadedChunk {
  view: Uint16Array | Int32Array;
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
  private readonly loaded = new Map<number, { chunk: Promise<LoadedChunk>; buffer: Uint8Array; settled: boolean }>();
  private readonly sized = new Map<number, Promise<void>>();
  /** Byte buffers of finished chunks, for the next loads. */
  private readonly free: Uint8Array[] = [];
  /** Bytes of the largest chunk this rank reads (sane ones only: larger ones fail in load). */
  private readonly bufferBytes: number;
  bytesRead = 0;

  constructor(private readonly o: RowReaderOptions) {
    let most = 0;
    const k0 = o.plan.chunks.length ? chunkAt(o.plan, o.plan.lo) : 0;
    for (let k = k0; k < o.plan.chunks.length && o.plan.starts[k] < o.plan.hi; k++) most = Math.max(most, this.chunkBytes(k));
    this.bufferBytes = Math.min(most, MAX_CHUNK_BYTES);
  }

  private chunkBytes(k: number): number {
    return this.o.plan.chunks[k].rows * this.o.rowLength * this.o.tokenBytes;
  }

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
    const had = this.loaded.get(k);
    if (had) return had.chunk;
    const chunk = this.o.plan.chunks[k];
    const src = this.o.sources[chunk.shard];
    const length = this.chunkBytes(k);
    // Record batches are written at 1-8 MiB; an index claiming far more is damaged or hostile,
    // and believing it would allocate whatever it says.
    const sane = length <= MAX_CHUNK_BYTES && chunk.offset + length <= this.o.shards[chunk.shard].bytes;
    const buffer = sane ? (this.free.pop() ?? new Uint8Array(this.bufferBytes)) : new Uint8Array(0);
    const entry = { chunk: undefined as unknown as Promise<LoadedChunk>, buffer, settled: false };
    entry.chunk = (sane ? this.checkSize(chunk.shard) : Promise.reject(new CorruptPartError(`index entry for ${src.location} names a record batch of ${length} bytes at ${chunk.offset}, outside the file or over ${MAX_CHUNK_BYTES} bytes`, { path: src.location })))
      .then(() => src.read(chunk.offset, length, buffer))
      .then((bytes) => {
        this.bytesRead += bytes.byteLength;
        if (this.o.verify && checksum(bytes) !== chunk.checksum) {
          throw new CorruptPartError(`shard ${src.location}: checksum mismatch in the record batch at byte ${chunk.offset} (corrupt file)`, { path: src.location, record: chunk.offset });
        }
        const n = chunk.rows * this.o.rowLength;
        // uint32 token ids are below 2^31 (vocab sizes are), so an Int32Array view reads them as is.
        const view = this.o.tokenBytes === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Int32Array(bytes.buffer, bytes.byteOffset, n);
        return { view, order: chunkRowOrder(chunk, this.o.seed, this.o.epoch) };
      })
      .finally(() => {
        entry.settled = true;
      });
    // Keep unhandled-rejection noise away until someone awaits it.
    entry.chunk.catch(() => undefined);
    this.loaded.set(k, entry);
    return entry.chunk;
  }

  /** Forgets chunks before `k`; their buffers go back to the pool once their read is over. */
  private dropBefore(k: number): void {
    for (const [key, entry] of this.loaded) {
      if (key >= k) continue;
      this.loaded.delete(key);
      if (entry.settled && entry.buffer.byteLength === this.bufferBytes) this.free.push(entry.buffer);
    }
  }

  /** Fills `out` with `count` rows starting at global row `g` of the epoch sequence. */
  async readRows(g: number, count: number, out: Int32Array): Promise<void> {
    const L = this.o.rowLength;
    const plan = this.o.plan;
    let k = chunkAt(plan, g);
    for (let j = 0; j < count; ) {
      // Drop chunks behind us; start fetching the ones ahead.
      this.dropBefore(k);
      for (let a = 1; a <= this.o.readAhead && k + a < plan.chunks.length; a++) {
        if (plan.starts[k + a] < plan.hi) this.load(k + a);
      }
      const chunk = await this.load(k);
      const base = plan.starts[k];
      const end = Math.min(plan.starts[k + 1], g + count);
      // Row by row, uint16 -> int32 inside TypedArray#set (a native loop): widening the whole chunk
      // first measured no faster (0.6-0.9 ms vs 1.4 ms per 2046x1025 chunk, warm) and needs an
      // Int32Array twice the chunk's size.
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
