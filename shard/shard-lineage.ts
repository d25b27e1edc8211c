// Shard lineage: which documents a shard holds and where, so a takedown can rebuild exactly the
// shards that hold a removed document's tokens. One small file per shard beside it
// (`train-00003.arrow` -> `train-00003.ids.jsonl`), named in index.json with its checksum, so
// index.json stays small however many documents there are.
//
// A shard's *stream* is the tokens it adds, in order: its rows end to end, each row without its
// first token (the previous row's last), except row 0 of the first shard of a generation, which
// carries nothing. Documents are packed into the stream as tokens then EOS. A segment
// `[id, start, tokens, eos]` says: stream[start, start + tokens) are tokens of document `id`,
// followed by its EOS at stream[start + tokens] when eos is 1. Tokens no segment names are
// padding.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { checksum } from '../core/checksum.js';
import { CorruptPartError } from '../core/errors.js';
import type { ShardEntry } from '../core/shard-index.js';

/** One document's piece of a shard's stream. */
export type LineageSegment = [id: string, start: number, tokens: number, eos: 0 | 1];

/** A shard's lineage file, parsed. */
export interface ShardLineage {
  shard: string;
  /** True when the shard's row 0 starts with the previous shard's last token. */
  carry: boolean;
  segments: LineageSegment[];
}

/** Lineage file name of shard `file`. */
export function lineageFileName(file: string): string {
  return file.replace(/\.arrow$/, '.ids.jsonl');
}

/** Writes a shard's lineage file (tmp, fsync, rename) and returns its index entry part. */
export function writeLineage(dir: string, lineage: ShardLineage): NonNullable<ShardEntry['lineage']> {
  const name = lineageFileName(lineage.shard);
  const text = [JSON.stringify({ format: 'kiln-shard-lineage', version: 1, shard: lineage.shard, carry: lineage.carry }), ...lineage.segments.map((s) => JSON.stringify(s))].join('\n') + '\n';
  const bytes = Buffer.from(text, 'utf8');
  const tmp = path.join(dir, `.tmp-${process.pid}-${name}`);
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path.join(dir, name));
  return { file: name, documents: new Set(lineage.segments.map((s) => s[0])).size, checksum: checksum(bytes) };
}

/** Reads and checks the lineage file an index entry names. */
export function readLineage(dir: string, entry: ShardEntry): ShardLineage {
  if (!entry.lineage) throw new CorruptPartError(`shard ${entry.file} has no lineage in index.json (made by an older kiln): re-shard it to take documents down`, { path: path.join(dir, entry.file) });
  const file = path.join(dir, entry.lineage.file);
  const bytes = readFileSync(file);
  if (checksum(bytes) !== entry.lineage.checksum) throw new CorruptPartError(`lineage ${file} does not match its checksum in index.json`, { path: file });
  const lines = bytes.toString('utf8').split('\n').filter((l) => l !== '');
  const head = JSON.parse(lines[0]) as { format?: string; carry?: boolean };
  if (head.format !== 'kiln-shard-lineage') throw new CorruptPartError(`${file} is not a kiln shard lineage file`, { path: file });
  return { shard: entry.file, carry: head.carry === true, segments: lines.slice(1).map((l) => JSON.parse(l) as LineageSegment) };
}

/** A document pushed into a packer's stream: tokens at [start, start + tokens), EOS after. */
export type OpenDocument = [id: string, start: number, tokens: number];

/**
 * Follows a packer's stream positions and cuts it into per-shard segments. Its state is JSON
 * (kept in the pack journal), so a resumed pack writes the same lineage as an uninterrupted one.
 */
export interface LineageState {
  /** Stream position of the next pushed token (documents and their EOS so far). */
  pos: number;
  /** Stream position where the open shard starts. */
  shardStart: number;
  /** Documents that reach into the open shard. */
  open: OpenDocument[];
}

/** A fresh tracker state for a split's first shard of a generation. */
export function newLineageState(): LineageState {
  return { pos: 0, shardStart: 0, open: [] };
}

/** Records that document `id` with `tokens` tokens (and its EOS) was pushed. */
export function trackDocument(state: LineageState, id: string, tokens: number): void {
  state.open.push([id, state.pos, tokens]);
  state.pos += tokens + 1;
}

/**
 * Closes the open shard after `rows` rows of the generation (row length `rowLength`): returns its
 * segments and keeps the documents that continue into the next shard.
 */
export function closeLineageShard(state: LineageState, rows: number, rowLength: number): { carry: boolean; segments: LineageSegment[] } {
  const a = state.shardStart;
  // Row r adds stream tokens up to (r + 1) * (rowLength - 1) + 1 (row 0 adds rowLength of them).
  const b = rows * (rowLength - 1) + 1;
  const segments: LineageSegment[] = [];
  for (const [id, start, n] of state.open) {
    const s = Math.max(start, a);
    const tokens = Math.max(0, Math.min(start + n, b) - s);
    const eos = start + n >= a && start + n < b;
    if (tokens > 0 || eos) segments.push([id, s - a, tokens, eos ? 1 : 0]);
  }
  state.open = state.open.filter(([, start, n]) => start + n + 1 > b);
  const carry = a > 0;
  state.shardStart = b;
  return { carry, segments };
}
