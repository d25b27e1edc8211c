// Takedown in a shards directory: the shards whose lineage names a removed document are rebuilt
// without its tokens, under new file names; every other shard stays byte for byte. A rebuilt
// shard is its own stream with the removed segments cut out, packed afresh (no carried first
// token, last row padded with EOS), so the rest of the split is untouched.
import { closeSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CorruptPartError } from '../core/errors.js';
import { dtypeBytes, type ShardEntry, type ShardIndex, type SplitName } from '../core/shard-index.js';
import { ArrowShardWriter } from './arrow-shard-writer.js';
import { nextShardNumber } from './generation-index.js';
import { shardFileName } from './pack-arrow.js';
import { Packer } from './packer.js';
import { type LineageSegment, closeLineageShard, lineageFileName, newLineageState, readLineage, trackDocument, writeLineage } from './shard-lineage.js';

/** Record batch size of rebuilt shards (the shard stage's default, 4 MiB). */
const BATCH_BYTES = 4 * 1024 * 1024;

/** One shard a takedown rebuilds: its old file, the new file, and what it removes. */
export interface RebuildPlan {
  split: SplitName;
  old: string;
  new: string;
}

/** The shards of `index` holding tokens of a document in `removed`, each with the name it will get. */
export function planRebuilds(dir: string, index: ShardIndex, removed: ReadonlySet<string>): RebuildPlan[] {
  if (index.layout !== 'arrow') throw new CorruptPartError(`${dir} holds ${index.layout} shards, which have no lineage; only Arrow shards can be taken down from`, { path: dir });
  const plans: RebuildPlan[] = [];
  for (const split of ['train', 'val'] as const) {
    const shards = index.splits[split].shards;
    let next = nextShardNumber(shards);
    let carryRemoved = false;
    for (const entry of shards) {
      const lin = readLineage(dir, entry);
      // A carried first token is the previous shard's last: part of a removed document when that
      // document ran to the end of the previous shard.
      const hit = lin.segments.some((s) => s[2] > 0 && removed.has(s[0])) || (lin.carry && carryRemoved);
      const last = lin.segments.at(-1);
      carryRemoved = last !== undefined && removed.has(last[0]) && last[3] === 0 && last[2] > 0;
      if (hit) plans.push({ split, old: entry.file, new: shardFileName(split, next++) });
    }
  }
  return plans;
}

/** Yields a shard's stream (see shard-lineage.ts) one row's new tokens at a time. */
function* shardStream(dir: string, index: ShardIndex, entry: ShardEntry, carry: boolean): Generator<Uint16Array | Uint32Array> {
  const file = path.join(dir, entry.file);
  const width = dtypeBytes(index.dtype);
  const L = index.row_length;
  if (!entry.batches) throw new CorruptPartError(`${file} has no record batch list in index.json`, { path: file });
  const fd = openSync(file, 'r');
  try {
    let first = true;
    for (const b of entry.batches) {
      // Memory bound: one record batch (~batchBytes) at a time.
      const bytes = new Uint8Array(b.rows * L * width);
      let got = 0;
      while (got < bytes.length) {
        const n = readSync(fd, bytes, got, bytes.length - got, b.offset + got);
        if (n === 0) throw new CorruptPartError(`${file} ends inside record batch at ${b.offset}`, { path: file });
        got += n;
      }
      const values = width === 2 ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
      for (let r = 0; r < b.rows; r++) {
        const row = values.subarray(r * L, (r + 1) * L);
        yield first && !carry ? row : row.subarray(1);
        first = false;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Rebuilds one shard without the removed documents; returns the new index entry. */
export function rebuildShard(dir: string, index: ShardIndex, entry: ShardEntry, plan: RebuildPlan, removed: ReadonlySet<string>): ShardEntry {
  // A rebuild of this shard killed midway left its temporaries (`.tmp-<pid>-<file>`, see the
  // writers): nothing else writes these names, so they go before the rebuild starts again.
  const mine = new Set([plan.new, lineageFileName(plan.new)]);
  for (const name of readdirSync(dir)) {
    const m = /^\.tmp-\d+-(.*)$/.exec(name);
    if (m && mine.has(m[1])) rmSync(path.join(dir, name), { force: true });
  }
  const lin = readLineage(dir, entry);
  const kept = lin.segments.filter((s) => !removed.has(s[0])).sort((x, y) => x[1] - y[1]);
  const writer = new ArrowShardWriter(path.join(dir, plan.new), index.row_length, index.dtype, BATCH_BYTES, entry.generation);
  const packer = new Packer(index.row_length, index.eos_id, writer, index.dtype);
  const state = newLineageState();
  try {
    // Copies stream[start, start + tokens + eos) of each kept segment, walking the stream once.
    let pos = 0;
    let k = 0;
    let piece: number[] = [];
    let seg: LineageSegment | undefined = kept[0];
    const segEnd = (s: LineageSegment): number => s[1] + s[2] + s[3];
    const flushSeg = (s: LineageSegment): void => {
      const tokens = s[3] ? piece.slice(0, -1) : piece;
      trackDocument(state, s[0], tokens.length);
      packer.pushSpan(tokens, s[3] === 1);
      piece = [];
    };
    for (const chunk of shardStream(dir, index, entry, lin.carry)) {
      for (let i = 0; i < chunk.length && seg; i++, pos++) {
        while (seg && pos >= segEnd(seg)) {
          flushSeg(seg);
          seg = kept[++k];
        }
        if (seg && pos >= seg[1]) piece.push(chunk[i]);
      }
      if (!seg) break;
    }
    while (seg) {
      if (pos < segEnd(seg)) throw new CorruptPartError(`lineage of ${entry.file} names tokens past the end of the shard`, { path: path.join(dir, entry.file) });
      flushSeg(seg);
      seg = kept[++k];
    }
    packer.finish();
    const out = writer.close();
    out.lineage = writeLineage(dir, { shard: out.file, ...closeLineageShard(state, packer.rows, index.row_length) });
    return out;
  } catch (err) {
    writer.abort();
    throw err;
  }
}
