// Turns tiktoken-style ranks (token id = rank, bytes per token) into a ByteBpeSpec, and reads
// `.tiktoken` files. Ranks travel as latin1 strings (one char per byte): that is the form the
// merge lookups key on, and building it straight from the source skips a Uint8Array per token,
// which made up half of an encode worker's start-up.
import { readFileSync } from 'node:fs';
import { CorruptInputError } from '../core/errors.js';
import type { ByteBpeSpec, PieceSplitter } from './byte-bpe.js';
import { bpeTokenizer } from './bpe-tokenizer.js';
import { RankPairs } from './rank-pairs.js';
import { byteBpeIdentity, rankMergeOrder } from './tokenizer-identity.js';
import type { Tokenizer } from './tokenizer.js';

/** How a ranks tokenizer cuts text and which special tokens extend it. */
export interface RanksSetup {
  /** Pre-tokenizer kind recorded in the identity (`gpt2`, `cl100k`, `o200k`). */
  pretokenizer: string;
  splitPiece: PieceSplitter;
  specials: Map<string, number>;
  /** Text of the special token that ends a document, when there is one. */
  eos?: string;
}

/** A Tokenizer from tiktoken-style ranks, with its identity hash, vocab size and EOS id. */
export function ranksTokenizer(name: string, keys: (string | undefined)[], setup: RanksSetup): Tokenizer {
  const hash = byteBpeIdentity({ pretokenizer: setup.pretokenizer, tokens: keys, mergeOrder: rankMergeOrder(keys), specials: setup.specials });
  const vocabSize = Math.max(keys.length, ...[...setup.specials.values()].map((id) => id + 1));
  const eosId = setup.eos === undefined ? undefined : setup.specials.get(setup.eos);
  return bpeTokenizer({ name, hash, vocabSize, eosId }, specFromRanks(keys, setup.splitPiece, setup.specials));
}

/** A byte-level BPE spec from ranks (index = id, token bytes as latin1); `specials` only extend decoding and vocab size. */
export function specFromRanks(keys: (string | undefined)[], splitPiece: PieceSplitter, specials: Map<string, number> = new Map()): ByteBpeSpec {
  const pairs = new RankPairs(keys);
  const byteIds = new Int32Array(256).fill(-1);
  for (let byte = 0; byte < 256; byte++) {
    const id = pairs.idOf(String.fromCharCode(byte));
    if (id === undefined) throw new CorruptInputError(`ranks have no token for byte ${byte}`);
    byteIds[byte] = id;
  }
  // Only decoding needs every token's bytes: built on first use.
  let tokenBytes: (Uint8Array | undefined)[] | undefined;
  const buildTokenBytes = (): (Uint8Array | undefined)[] => {
    const out = keys.map((k) => (k === undefined ? undefined : new Uint8Array(Buffer.from(k, 'latin1'))));
    const enc = new TextEncoder();
    for (const [text, id] of specials) out[id] = enc.encode(text);
    return out;
  };
  return {
    get tokenBytes() {
      return (tokenBytes ??= buildTokenBytes());
    },
    byteIds,
    pairs,
    wholeTokenShortcut: true,
    tokenOfBytes: (key) => pairs.idOf(key),
    splitPiece,
  };
}

/** The latin1 key (one char per byte) of a token's UTF-8 text. */
export function latin1OfText(text: string): string {
  // Most tokens are ASCII, which is its own key.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.from(text, 'utf8').toString('latin1');
  return text;
}

/** Reads a `.tiktoken` file (`base64(token bytes) rank` per line) as latin1 keys by rank. */
export function readTiktokenFile(path: string): string[] {
  const ranks: string[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    const [b64, rank] = line.split(' ');
    const id = Number(rank);
    if (b64 === undefined || !Number.isInteger(id) || id < 0) {
      throw new CorruptInputError(`bad .tiktoken line ${n + 1}`, { path, record: n + 1 });
    }
    ranks[id] = Buffer.from(b64, 'base64').toString('latin1');
  });
  return ranks;
}
