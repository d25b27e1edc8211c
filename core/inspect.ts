import { listInputFiles, readInputRows } from './input-files.js';
import { parquetInfo } from './parquet-read.js';

/** What `kiln inspect` reports about a dataset. */
export interface DatasetReport {
  files: number;
  rows: number;
  bytes: number;
  columns: string[];
  /** Text length (characters) histogram: bucket upper bounds (powers of 4) and counts. */
  textLengths: { upTo: number; count: number }[];
  samples: Record<string, unknown>[];
}

/** Counts rows, sizes, columns and text lengths of any dataset; memory stays one row group. */
export async function inspectDataset(inputs: readonly string[], sampleCount = 3): Promise<DatasetReport> {
  const files = await listInputFiles(inputs);
  const columns = new Set<string>();
  const buckets = new Map<number, number>();
  const samples: Record<string, unknown>[] = [];
  let rows = 0;
  for (const f of files) {
    if (f.format === 'parquet') for (const c of (await parquetInfo(f.path)).columns) columns.add(c);
    for await (const row of readInputRows(f)) {
      rows++;
      if (f.format === 'jsonl') for (const k of Object.keys(row)) columns.add(k);
      const text = row.text;
      if (typeof text === 'string') {
        let upTo = 16;
        while (upTo < text.length) upTo *= 4;
        buckets.set(upTo, (buckets.get(upTo) ?? 0) + 1);
      }
      if (samples.length < sampleCount) {
        const s: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) {
          s[k] = typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}… (${v.length} chars)` : Array.isArray(v) && v.length > 20 ? [...v.slice(0, 20), `… (${v.length} items)`] : v;
        }
        samples.push(s);
      }
    }
  }
  return {
    files: files.length,
    rows,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    columns: [...columns],
    textLengths: [...buckets.entries()].sort(([a], [b]) => a - b).map(([upTo, count]) => ({ upTo, count })),
    samples,
  };
}
