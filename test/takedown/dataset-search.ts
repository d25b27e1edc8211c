// Looking for a document in what a pipeline wrote: its full token list in a shards directory's
// token stream or in a tokens dataset, its id and text in a documents dataset. The takedown tests
// search with these before a takedown (so the checks can fail) and after it.
import { readFileSync, readdirSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readManifest } from '../../core/dataset-manifest.js';
import { readParquetRows } from '../../core/parquet-read.js';
import { parseShardIndex, type ShardIndex } from '../../core/shard-index.js';

/** A shards directory's index.json. */
export function readIndex(dir: string): ShardIndex {
  return parseShardIndex(readFileSync(path.join(dir, 'index.json'), 'utf8'), dir);
}

/** Every shard's tokens of a split, rows end to end with each row's repeated first token dropped. */
export function splitStream(dir: string, index: ShardIndex, split: 'train' | 'val'): number[] {
  const out: number[] = [];
  const L = index.row_length;
  for (const s of index.splits[split].shards) {
    const bytes = readFileSync(path.join(dir, s.file));
    for (const b of s.batches ?? []) {
      const values = new Uint16Array(bytes.buffer.slice(bytes.byteOffset + b.offset, bytes.byteOffset + b.offset + b.rows * L * 2));
      for (let r = 0; r < b.rows; r++) for (let i = out.length === 0 ? 0 : 1; i < L; i++) out.push(values[r * L + i]);
    }
  }
  return out;
}

/** True when `needle` occurs contiguously in `hay`. */
export function contains(hay: ArrayLike<number>, needle: ArrayLike<number>): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Every row of a dataset's parts (these columns only). */
export async function rowsOf(dir: string, columns: string[]): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort()) for await (const r of readParquetRows(path.join(dir, name), { columns })) rows.push(r);
  return rows;
}

/** Kiln datasets (a `_kiln/dataset.json`) and shards directories (an `index.json` of format kiln-shards) at or below `root`. */
export async function findOutputs(root: string): Promise<{ datasets: string[]; shards: string[] }> {
  const out = { datasets: [] as string[], shards: [] as string[] };
  const walk = async (dir: string): Promise<void> => {
    if (await readManifest(dir)) out.datasets.push(dir);
    else if (readdirSync(dir).includes('index.json') && (JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { format?: string }).format === 'kiln-shards') out.shards.push(dir);
    for (const e of await fs.readdir(dir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.')) await walk(path.join(dir, e.name));
  };
  await walk(root);
  return out;
}

/** One document, as the searches look for it. */
export interface SoughtDocument {
  id: string;
  text: string;
  tokens: number[];
}

/**
 * Where any of `docs` still is under `root`: `<dir>: <id> (how)` for each hit, searching each
 * shards directory's train and val streams for the full token list, each tokens dataset's rows
 * for it, and each documents dataset's rows for the id and the text.
 */
export async function whereFound(root: string, docs: readonly SoughtDocument[]): Promise<string[]> {
  const hits: string[] = [];
  const { datasets, shards } = await findOutputs(root);
  for (const dir of shards) {
    const index = readIndex(dir);
    for (const split of ['train', 'val'] as const) {
      const stream = splitStream(dir, index, split);
      for (const d of docs) if (contains(stream, d.tokens)) hits.push(`${dir}: ${d.id} (tokens, ${split})`);
    }
  }
  for (const dir of datasets) {
    const cols = new Set((await readManifest(dir))!.columns.map((c) => c.name));
    const rows = await rowsOf(dir, ['id', 'text', 'tokens'].filter((c) => cols.has(c)));
    for (const d of docs) {
      for (const r of rows) {
        if (String(r.id) === d.id) hits.push(`${dir}: ${d.id} (id)`);
        if (typeof r.text === 'string' && r.text.includes(d.text)) hits.push(`${dir}: ${d.id} (text)`);
        if (r.tokens && contains(r.tokens as ArrayLike<number>, d.tokens)) hits.push(`${dir}: ${d.id} (tokens)`);
      }
    }
  }
  return hits;
}
