// Parquet parts are written with apache-arrow (columns built by hand into typed buffers) and
// parquet-wasm (ZSTD). Measured in docs/dependencies.md: parquet-wasm + ZSTD was the fastest
// writer from JS objects (3.8 s / 112 MB, 7x parquetjs-lite, 8x DuckDB's appender) and its files
// are read by DuckDB, pyarrow and hyparquet.
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import type { Bool, Data, DataType, Field, Int32, List, Utf8 } from 'apache-arrow';
import type { ColumnSpec } from './columns.js';
import type { Row } from './document.js';

const require = createRequire(import.meta.url);
// Arrow's single-file build: the same library, loaded in ~11 ms instead of ~55 ms for its ~200
// ES modules, which every encode worker and every stage run pays.
const arrow = require('apache-arrow/Arrow.esnext.min') as typeof ArrowModule;
type ParquetWasm = typeof import('parquet-wasm/node');
// parquet-wasm's node build is CommonJS and loads its .wasm synchronously on require.
const parquet: ParquetWasm = require('parquet-wasm/node');

const encoder = new TextEncoder();

/** Parquet row groups are capped at this many bytes so readers stay bounded (DESIGN: ~64 MiB). */
export const ROW_GROUP_BYTES = 64 * 1024 * 1024;

function validity(values: unknown[]): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  if (nulls === 0) return { bitmap: undefined, nulls };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

function utf8Data(values: unknown[], column: string): Data<Utf8> {
  const { bitmap, nulls } = validity(values);
  const offsets = new Int32Array(values.length + 1);
  let capacity = 0;
  // Exact UTF-8 sizes first: one right-sized buffer instead of a 3x worst case.
  for (const v of values) if (typeof v === 'string') capacity += Buffer.byteLength(v, 'utf8');
  if (capacity > 0x7fffffff) throw new RangeError(`column ${column}: chunk exceeds 2 GiB of text`);
  const bytes = new Uint8Array(capacity);
  let pos = 0;
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) {
      if (typeof v !== 'string') throw new TypeError(`column ${column}, row ${i}: expected a string, got ${typeof v}`);
      pos += encoder.encodeInto(v, bytes.subarray(pos)).written;
    }
    offsets[i + 1] = pos;
  });
  return arrow.makeData({ type: new arrow.Utf8(), length: values.length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data: bytes.subarray(0, pos) });
}

function numberData(values: unknown[], column: string, type: 'int32' | 'int64' | 'float64'): Data<DataType> {
  const { bitmap, nulls } = validity(values);
  const n = values.length;
  const check = (v: unknown, i: number): number => {
    if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`column ${column}, row ${i}: expected a number, got ${typeof v}`);
    return Number(v);
  };
  if (type === 'int32') {
    const a = new Int32Array(n);
    values.forEach((v, i) => { if (v != null) a[i] = check(v, i); });
    return arrow.makeData({ type: new arrow.Int32(), length: n, nullCount: nulls, nullBitmap: bitmap, data: a });
  }
  if (type === 'int64') {
    const a = new BigInt64Array(n);
    values.forEach((v, i) => { if (v != null) a[i] = BigInt(Math.trunc(check(v, i))); });
    return arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: a });
  }
  const a = new Float64Array(n);
  values.forEach((v, i) => { if (v != null) a[i] = check(v, i); });
  return arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: a });
}

function boolData(values: unknown[]): Data<Bool> {
  const { bitmap, nulls } = validity(values);
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => { if (v) bits[i >> 3] |= 1 << (i & 7); });
  return arrow.makeData({ type: new arrow.Bool(), length: values.length, nullCount: nulls, nullBitmap: bitmap, data: bits });
}

function int32ListData(values: unknown[], column: string): Data<List<Int32>> {
  const { bitmap, nulls } = validity(values);
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  values.forEach((v, i) => {
    if (v != null) {
      if (!ArrayLike(v)) throw new TypeError(`column ${column}, row ${i}: expected an array of integers`);
      total += v.length;
    }
    offsets[i + 1] = total;
  });
  const flat = new Int32Array(total);
  values.forEach((v, i) => { if (v != null) flat.set(v as ArrayLike<number>, offsets[i]); });
  const child = arrow.makeData({ type: new arrow.Int32(), length: total, nullCount: 0, data: flat });
  const type = new arrow.List(new arrow.Field('item', new arrow.Int32(), false));
  return arrow.makeData({ type, length: values.length, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, child });
}

function ArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

function columnData(spec: ColumnSpec, values: unknown[]): Data<DataType> {
  switch (spec.type) {
    case 'string': return utf8Data(values, spec.name);
    case 'int32': case 'int64': case 'float64': return numberData(values, spec.name, spec.type);
    case 'bool': return boolData(values);
    case 'int32[]': return int32ListData(values, spec.name);
  }
}

/** How a part is written. */
export interface ParquetWriteOptions {
  /** Min/max statistics per column chunk and page (default true). They help readers skip row groups by value; token lists gain nothing from them and skipping them makes a tokens part ~15% cheaper to write. */
  statistics?: boolean;
}

/** Encodes rows as one ZSTD Parquet file (in memory); the caller bounds the chunk size. */
export function encodeParquet(columns: readonly ColumnSpec[], rows: readonly Row[], options: ParquetWriteOptions = {}): Uint8Array {
  const fields: Field[] = [];
  const vectors: Record<string, ReturnType<typeof arrow.makeVector>> = {};
  for (const spec of columns) {
    const values = rows.map((r) => r[spec.name]);
    const data = columnData(spec, values);
    if (!spec.nullable && data.nullCount > 0) {
      const row = values.findIndex((v) => v === null || v === undefined);
      throw new TypeError(`column ${spec.name} is not nullable but row ${row} has no value`);
    }
    fields.push(new arrow.Field(spec.name, data.type, spec.nullable ?? false));
    vectors[spec.name] = arrow.makeVector(data);
  }
  const table = new arrow.Table(new arrow.Schema(fields), vectors);
  const ipc = arrow.tableToIPC(table, 'stream');
  const wasmTable = parquet.Table.fromIPCStream(ipc);
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    // Dictionary pages pay off for repeated values; documents and token lists rarely repeat, and
    // skipping them cut encoding a 7.5 M-token part from ~500 to ~300 ms (smaller file, too).
    .setDictionaryEnabled(false)
    .setMaxRowGroupBytes(ROW_GROUP_BYTES)
    .setCreatedBy('kiln')
    // parquet-wasm 0.8 ignores per-column statistics settings, so this is per file.
    .setStatisticsEnabled(options.statistics === false ? parquet.EnabledStatistics.None : parquet.EnabledStatistics.Page)
    .build();
  return parquet.writeParquet(wasmTable, props);
}
