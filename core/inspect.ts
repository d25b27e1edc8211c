import { readShardIndexIn } from './dataset-status.js';
import { listInputFiles, readInputRows } from './input-files.js';
import { parquetInfo } from './parquet-read.js';
import type { ShardIndex } from './shard-index.js';

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

/** What `kiln inspect` reports about a shards directory (the output of `kiln shard`), from its index. */
export interface ShardsReport {
  kind: 'shards';
  dir: string;
  layout: ShardIndex['layout'];
  seq_len: number;
  dtype: ShardIndex['dtype'];
  vocab_size: number;
  eos_id: number;
  tokenizer: ShardIndex['tokenizer'];
  generations: number;
  splits: Record<'train' | 'val', { shards: number; sequences: number; tokens: number; documents: number; bytes: number }>;
}

/** The index of a shards directory as a report, or undefined when `dir` is not one. */
export async function inspectShards(dir: string): Promise<ShardsReport | undefined> {
  const index = await readShardIndexIn(dir);
  if (!index) return undefined;
  const split = (s: ShardIndex['splits']['train']) => ({
    shards: s.shards.length,
    sequences: s.sequences,
    tokens: s.tokens,
    documents: s.documents,
    bytes: s.shards.reduce((n, x) => n + x.bytes, 0),
  });
  return {
    kind: 'shards',
    dir,
    layout: index.layout,
    seq_len: index.seq_len,
    dtype: index.dtype,
    vocab_size: index.vocab_size,
    eos_id: index.eos_id,
    tokenizer: index.tokenizer,
    generations: index.generations.length,
    splits: { train: split(index.splits.train), val: split(index.splits.val) },
  };
}
