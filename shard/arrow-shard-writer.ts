// Writes one Arrow IPC file (uncompressed) with a single column `tokens` =
// FixedSizeList<uint16|uint32>[row_length], one record batch per ~batchBytes of rows, streaming
// to disk: memory is one record batch, whatever the shard size.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  Field,
  FixedSizeList,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Uint16,
  Uint32,
  makeData,
} from 'apache-arrow';
import { checksum } from '../core/checksum.js';
import { IoError } from '../core/errors.js';
import type { ShardBatch, ShardEntry } from '../core/shard-index.js';
import { createChecksum } from './streaming-checksum.js';

/** The Arrow schema of every shard. */
export function shardSchema(rowLength: number, dtype: 'uint16' | 'uint32'): Schema {
  const item = new Field('item', dtype === 'uint16' ? new Uint16() : new Uint32(), false);
  return new Schema([new Field('tokens', new FixedSizeList(rowLength, item), false)]);
}

// apache-arrow's writer queues bytes in memory until the whole file is done; overriding its one
// write hook streams them to the file descriptor instead and lets us see each batch's offsets.
class FdFileWriter extends RecordBatchFileWriter {
  constructor(private readonly out: (bytes: Uint8Array) => void) {
    super();
  }
  protected override _write(chunk: ArrayBufferView | ArrayLike<number> | Iterable<number> | null | undefined): this {
    if (this._started && chunk && ArrayBuffer.isView(chunk) && chunk.byteLength > 0) {
      this.out(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }
  /** File offset where the last written record batch's body starts. */
  lastBodyOffset(): { offset: number; bodyLength: number } {
    const block = this._recordBatchBlocks[this._recordBatchBlocks.length - 1];
    return { offset: Number(block.offset) + block.metaDataLength, bodyLength: Number(block.bodyLength) };
  }
}

/** Streams packed rows into one shard file (tmp name, renamed into place by `close`). */
export class ArrowShardWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly writer: FdFileWriter;
  private readonly schema: Schema;
  private readonly rowBytes: number;
  private readonly batchRows: number;
  private readonly buffer: Uint16Array | Uint32Array;
  private rowsInBatch = 0;
  private written = 0;
  private readonly fileHash = createChecksum();
  private readonly batches: ShardBatch[] = [];
  private sequences = 0;

  constructor(
    private readonly file: string,
    private readonly rowLength: number,
    dtype: 'uint16' | 'uint32',
    batchBytes: number,
    private readonly generation: number,
  ) {
    this.rowBytes = rowLength * (dtype === 'uint16' ? 2 : 4);
    this.batchRows = Math.max(1, Math.floor(batchBytes / this.rowBytes));
    // Memory bound of a shard writer: one record batch of ~batchBytes (at least one row).
    this.buffer = dtype === 'uint16' ? new Uint16Array(this.batchRows * rowLength) : new Uint32Array(this.batchRows * rowLength);
    this.schema = shardSchema(rowLength, dtype);
    this.tmp = path.join(path.dirname(file), `.tmp-${process.pid}-${path.basename(file)}`);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (err) {
      throw new IoError(`cannot create ${this.tmp}: ${(err as Error).message}`, { path: this.tmp }, { cause: err });
    }
    this.writer = new FdFileWriter((bytes) => this.out(bytes));
    this.writer.reset(undefined, this.schema);
  }

  private out(bytes: Uint8Array): void {
    let off = 0;
    try {
      while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    } catch (err) {
      throw new IoError(`cannot write ${this.tmp}: ${(err as Error).message}`, { path: this.tmp }, { cause: err });
    }
    this.fileHash.update(bytes);
    this.written += bytes.byteLength;
  }

  /** Bytes written so far (the shard-size roll decision uses it). */
  get bytes(): number {
    return this.written + this.rowsInBatch * this.rowBytes;
  }

  get rows(): number {
    return this.sequences + this.rowsInBatch;
  }

  /** Appends one row (copied). */
  row(tokens: Uint16Array | Uint32Array): void {
    this.buffer.set(tokens, this.rowsInBatch * this.rowLength);
    if (++this.rowsInBatch === this.batchRows) this.flushBatch();
  }

  private flushBatch(): void {
    const rows = this.rowsInBatch;
    if (rows === 0) return;
    const values = this.buffer.subarray(0, rows * this.rowLength);
    const listType = this.schema.fields[0].type as FixedSizeList;
    const child = makeData({ type: listType.children[0].type, length: values.length, nullCount: 0, data: values });
    const list = makeData({ type: listType, length: rows, nullCount: 0, child });
    const struct = makeData({ type: new Struct(this.schema.fields), length: rows, nullCount: 0, children: [list] });
    this.writer.write(new RecordBatch(this.schema, struct));
    const { offset, bodyLength } = this.writer.lastBodyOffset();
    const dataBytes = rows * this.rowBytes;
    // The loader reads token values straight from `offset`; that holds only while the body is the
    // one values buffer (no validity bitmaps, which Arrow omits when there are no nulls).
    if (bodyLength < dataBytes || bodyLength > dataBytes + 64) {
      throw new Error(`internal: record batch body is ${bodyLength} bytes, expected ${dataBytes} (+padding)`);
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, dataBytes);
    this.batches.push({ offset, rows, checksum: checksum(bytes) });
    this.sequences += rows;
    this.rowsInBatch = 0;
  }

  /** Writes the footer, fsyncs and renames into place; returns the index entry. */
  close(): ShardEntry {
    this.flushBatch();
    this.writer.finish();
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.tmp, this.file);
    } catch (err) {
      throw new IoError(`cannot finish ${this.file}: ${(err as Error).message}`, { path: this.file }, { cause: err });
    }
    return {
      file: path.basename(this.file),
      generation: this.generation,
      sequences: this.sequences,
      tokens: this.sequences * (this.rowLength - 1),
      bytes: this.written,
      checksum: this.fileHash.digest(),
      batches: this.batches,
    };
  }

  /** Drops the unfinished file (error paths). */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

/**
 * The rows after which a shard closes: the fewest rows whose `ArrowShardWriter.bytes` reaches
 * `shardBytes` (the writer closes a shard at the first document boundary past that). The pack
 * plan needs it to cut the packed stream at the same shards as one sequential pack. Measured on
 * the real writer (two record batches of zeros, counted, not stored): a batch's framing is the
 * same for every full batch, so bytes(rows) = before-first-batch + k batches + the open batch's rows.
 */
export function rowsPerShard(rowLength: number, dtype: 'uint16' | 'uint32', batchBytes: number, shardBytes: number): number {
  const rowBytes = rowLength * (dtype === 'uint16' ? 2 : 4);
  const batchRows = Math.max(1, Math.floor(batchBytes / rowBytes));
  const schema = shardSchema(rowLength, dtype);
  let written = 0;
  const writer = new FdFileWriter((bytes) => (written += bytes.byteLength));
  writer.reset(undefined, schema);
  const before = written;
  // Memory: one record batch of zeros (~batchBytes), as a shard writer holds.
  const values = dtype === 'uint16' ? new Uint16Array(batchRows * rowLength) : new Uint32Array(batchRows * rowLength);
  const listType = schema.fields[0].type as FixedSizeList;
  const batch = (): RecordBatch => {
    const child = makeData({ type: listType.children[0].type, length: values.length, nullCount: 0, data: values });
    const list = makeData({ type: listType, length: batchRows, nullCount: 0, child });
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batchRows, nullCount: 0, children: [list] }));
  };
  writer.write(batch());
  const first = written;
  writer.write(batch());
  const perBatch = written - first;
  const bytesAt = (rows: number): number => {
    const k = Math.floor(rows / batchRows);
    return (k === 0 ? before : first + (k - 1) * perBatch) + (rows % batchRows) * rowBytes;
  };
  // Whole batches first, then rows inside the batch that crosses the target (bytesAt only grows).
  let k = 0;
  while (bytesAt((k + 1) * batchRows) < shardBytes) k++;
  let rows = Math.max(1, k * batchRows);
  while (bytesAt(rows) < shardBytes) rows++;
  return rows;
}
