// Turns tiktoken-style ranks (token id = rank, bytes per token) into a ByteBpeSpec, and reads
// `.tiktoken` files.
import { readFileSync } from 'node:fs';
import { CorruptInputError } from '../core/errors.js';
import type { ByteBpeSpec, PieceSplitter } from './byte-bpe.js';
import { RankPairs } from './rank-pairs.js';

/** A byte-level BPE spec from ranks (index = id); `specials` only extend decoding and vocab size. */
export function specFromRanks(
  ranks: (Uint8Array | undefined)[],
  splitPiece: PieceSplitter,
  specials: Map<string, number> = new Map(),
  tokenTexts?: (string | undefined)[],
): ByteBpeSpec {
  const keys = ranks.map((b) => (b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1')));
  const pairs = new RankPairs(keys);
  const byteIds = new Int32Array(256).fill(-1);
  for (let byte = 0; byte < 256; byte++) {
    const id = pairs.idOf(String.fromCharCode(byte));
    if (id === undefined) throw new CorruptInputError(`ranks have no token for byte ${byte}`);
    byteIds[byte] = id;
  }
  const tokenBytes = ranks.slice();
  const enc = new TextEncoder();
  for (const [text, id] of specials) tokenBytes[id] = enc.encode(text);
  return { tokenBytes, byteIds, pairs, wholeTokenShortcut: true, splitPiece, tokenTexts };
}

/** Reads a `.tiktoken` file (`base64(token bytes) rank` per line). */
export function readTiktokenFile(path: string): Uint8Array[] {
  const ranks: Uint8Array[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const [b64, rank] = line.split(' ');
    const id = Number(rank);
    if (b64 === undefined || !Number.isInteger(id) || id < 0) {
      throw new CorruptInputError(`bad .tiktoken line ${n + 1}`, { path, record: n + 1 });
    }
    ranks[id] = new Uint8Array(Buffer.from(b64, 'base64'));
  });
  return ranks;
}
