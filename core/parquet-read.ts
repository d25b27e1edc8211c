// Reading uses hyparquet: pure JS, reads one row group at a time through ranged file reads, so
// memory is bounded by the row group, not the file (users' own Parquet files can be many GB).
// ZSTD/GZIP/BROTLI/LZ4 pages are decoded by hyparquet-compressors.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { CorruptInputError } from './errors.js';
import type { Row } from './document.js';

export interface ParquetInfo {
  rows: number;
  columns: string[];
  rowGroups: number[];
}

async function metadata(path: string): Promise<{ file: Awaited<ReturnType<typeof asyncBufferFromFile>>; meta: FileMetaData }> {
  const file = await asyncBufferFromFile(path);
  try {
    return { file, meta: await parquetMetadataAsync(file) };
  } catch (err) {
    throw new CorruptInputError(`not a readable Parquet file: ${path} (${(err as Error).message})`, { path }, { cause: err });
  }
}

/** Row count, top-level column names and row-group sizes of a Parquet file. */
export async function parquetInfo(path: string): Promise<ParquetInfo> {
  const { meta } = await metadata(path);
  return { rows: Number(meta.num_rows), columns: topLevelNames(meta), rowGroups: meta.row_groups.map((g) => Number(g.num_rows)) };
}

function topLevelNames(meta: FileMetaData): string[] {
  // The flattened schema lists a root, then each field followed by its children (depth-first).
  const names: string[] = [];
  let i = 1;
  const skip = (): void => {
    const el = meta.schema[i++];
    for (let c = 0; c < (el.num_children ?? 0); c++) skip();
  };
  const root = meta.schema[0];
  for (let c = 0; c < (root.num_children ?? 0); c++) {
    names.push(meta.schema[i].name);
    skip();
  }
  return names;
}

function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** Yields rows of a Parquet file starting at `fromRow`, one row group in memory at a time. */
export async function* readParquetRows(path: string, options: { fromRow?: number; columns?: string[] } = {}): AsyncGenerator<Row> {
  const { file, meta } = await metadata(path);
  const fromRow = options.fromRow ?? 0;
  let groupStart = 0;
  for (const group of meta.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > fromRow) {
      let rows: Row[];
      try {
        rows = (await parquetReadObjects({
          file,
          metadata: meta,
          rowStart: Math.max(groupStart, fromRow),
          rowEnd: groupEnd,
          columns: options.columns,
          compressors,
        })) as Row[];
      } catch (err) {
        throw new CorruptInputError(`cannot decode ${path} rows ${groupStart}-${groupEnd}: ${(err as Error).message}`, { path, record: groupStart }, { cause: err });
      }
      for (const row of rows) {
        for (const key of Object.keys(row)) row[key] = normalise(row[key]);
        yield row;
      }
    }
    groupStart = groupEnd;
  }
}
