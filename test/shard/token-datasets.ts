// Test fixtures: token datasets written directly with core's Parquet writer, and helpers that
// read shards back with apache-arrow (as any Arrow reader would) and undo the packing.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { encodeParquet } from '../../core/parquet-write.js';
import { seededRandom } from '../../core/seeded-random.js';
import type { ShardIndex, SplitName } from '../../core/shard-index.js';

export const VOCAB = 1000;
export const EOS = 999;

export interface TokenDoc {
  id: string;
  tokens: number[];
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kiln-${prefix}-`));
  made.push(dir);
  return dir;
}

/** `count` documents with distinct token sequences (the first two tokens encode the doc number). */
export function makeDocs(count: number, seed: number, prefix = 'doc', maxLen = 60): TokenDoc[] {
  const rnd = seededRandom(seed);
  const docs: TokenDoc[] = [];
  for (let i = 0; i < count; i++) {
    const len = 2 + Math.floor(rnd() * maxLen);
    const tokens = [i % 998, Math.floor(i / 998) % 998];
    for (let t = 2; t < len; t++) tokens.push(Math.floor(rnd() * 998));
    docs.push({ id: `${prefix}-${seed}-${i}`, tokens });
  }
  return docs;
}

/** Writes docs as a plain directory of Parquet files (`id`, `tokens` int32 list). */
export function writeTokenDataset(dir: string, docs: readonly TokenDoc[], perFile = 1000): string {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f * perFile < docs.length; f++) {
    const rows = docs.slice(f * perFile, (f + 1) * perFile).map((d) => ({ id: d.id, tokens: d.tokens }));
    const bytes = encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows);
    writeFileSync(path.join(dir, `part-${String(f).padStart(5, '0')}.parquet`), bytes);
  }
  return dir;
}

/** All rows of a split, shard by shard in index order, read with apache-arrow. */
export function readSplitRows(dir: string, index: ShardIndex, split: SplitName): number[][][] {
  return index.splits[split].shards.map((s) => {
    const table = tableFromIPC(readFileSync(path.join(dir, s.file)));
    const col = table.getChild('tokens')!;
    const rows: number[][] = [];
    for (let i = 0; i < table.numRows; i++) rows.push(Array.from(col.get(i)!.toArray() as Uint16Array));
    return rows;
  });
}

/** Undoes packing of one generation's rows (each row starts with the previous row's last token). */
export function unpackRows(rows: readonly number[][], eos: number): { docs: number[][]; overlapOk: boolean } {
  const stream: number[] = [];
  let overlapOk = true;
  rows.forEach((row, i) => {
    if (i === 0) stream.push(...row);
    else {
      if (row[0] !== stream[stream.length - 1]) overlapOk = false;
      stream.push(...row.slice(1));
    }
  });
  const docs: number[][] = [];
  let cur: number[] = [];
  for (const t of stream) {
    if (t === eos) {
      if (cur.length > 0) docs.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) docs.push(cur);
  return { docs, overlapOk };
}

/** Every file of a shards directory by name (index.json without its created_at): equal maps = byte-identical shards. */
export function shardFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name === '_kiln') continue;
    let text = readFileSync(path.join(dir, name)).toString('base64');
    if (name === 'index.json') {
      const index = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { generations: Array<{ created_at?: string }> };
      for (const g of index.generations) delete g.created_at;
      text = JSON.stringify(index);
    }
    files.set(name, text);
  }
  return files;
}
