// Loads a Hugging Face tokenizer.json. Byte-level BPE files in GPT-2's shape (ByteLevel
// pre-tokenizer with its regex, no normalizer) run on kiln's own BPE engine, several times
// faster than the binding; everything else (WordPiece, SentencePiece-style BPE with byte
// fallback, normalizers) runs on HF tokenizers' Rust binding, which is the reference itself.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import type { Tokenizer as HfTokenizer } from 'tokenizers';
import { ConfigError, CorruptInputError } from '../core/errors.js';
import { byteLevelBytes } from './byte-level-alphabet.js';
import type { ByteBpeSpec } from './byte-bpe.js';
import { bpeTokenizer } from './bpe-tokenizer.js';
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';
import { PairTable } from './pair-table.js';
import { splitAtWhitespace } from './long-text.js';
import { byteBpeIdentity, tokenizerJsonIdentity } from './tokenizer-identity.js';
import type { Tokenizer, TokenizerInfo } from './tokenizer.js';

interface AddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  special?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedToken[];
  normalizer?: { type?: string } | null;
  pre_tokenizer?: { type?: string; add_prefix_space?: boolean; use_regex?: boolean } | null;
  decoder?: { type?: string } | null;
  model?: {
    type?: string;
    vocab?: Record<string, number> | [string, number][];
    merges?: (string | [string, string])[];
    byte_fallback?: boolean;
    dropout?: number | null;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    ignore_merges?: boolean;
  };
}

// Added tokens that end a document, in order of preference, for `eosId`.
const EOS_CANDIDATES = ['<|endoftext|>', '</s>', '<eos>', '<|end_of_text|>', '<|eot_id|>', '[SEP]'];
// Pre-tokenizers that split at whitespace and drop it, so a long text may be cut at whitespace
// and encoded piecewise with the same ids.
const WHITESPACE_SPLITTING = new Set(['BertPreTokenizer', 'Whitespace', 'WhitespaceSplit']);
// Texts above this many chars are cut (when safe) before going to the binding; see long-text.ts.
const LONG_TEXT_CHARS = 1 << 20;

/** Name recorded for a tokenizer file: its folder for `.../NAME/tokenizer.json`, else the file name. */
function nameOf(path: string): string {
  return basename(path) === 'tokenizer.json' ? basename(dirname(path)) : basename(path).replace(/\.json$/, '');
}

/** Loads a tokenizer.json from `path`. */
export function loadHfTokenizer(path: string): Tokenizer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read tokenizer file ${path}: ${(err as Error).message}`, { path });
  }
  let json: TokenizerJson;
  try {
    json = JSON.parse(raw.toString('utf8')) as TokenizerJson;
  } catch (err) {
    throw new CorruptInputError(`tokenizer file is not JSON: ${path} (${(err as Error).message})`, { path }, { cause: err });
  }
  if (json.model === undefined || json.model.vocab === undefined) {
    throw new CorruptInputError(`tokenizer file has no model.vocab: ${path}`, { path });
  }
  const vocab = vocabEntries(json);
  const added = json.added_tokens ?? [];
  let maxId = -1;
  for (const [, id] of vocab) maxId = Math.max(maxId, id);
  for (const t of added) maxId = Math.max(maxId, t.id);
  const eos = EOS_CANDIDATES.map((c) => added.find((t) => t.content === c)).find((t) => t !== undefined);
  const info = { name: nameOf(path), vocabSize: maxId + 1, eosId: eos?.id };
  const spec = byteLevelSpec(json, vocab);
  if (spec !== undefined) return bpeTokenizer({ ...info, hash: byteLevelIdentity(spec, json, vocab) }, spec);
  return bindingTokenizer({ ...info, hash: tokenizerJsonIdentity(json) }, json, raw.toString('utf8'), path);
}

function vocabEntries(json: TokenizerJson): [string, number][] {
  const v = json.model!.vocab!;
  // Unigram stores [piece, score] pairs: the id is the index.
  if (Array.isArray(v)) return v.map(([piece], id) => [piece, id]);
  return Object.entries(v);
}

/** A kiln BPE spec when the file is GPT-2-shaped byte-level BPE, else undefined. */
function byteLevelSpec(json: TokenizerJson, vocab: [string, number][]): ByteBpeSpec | undefined {
  const m = json.model!;
  const pre = json.pre_tokenizer;
  const plainBpe =
    (m.type === 'BPE' || (m.type === undefined && m.merges !== undefined)) &&
    !m.byte_fallback &&
    (m.dropout === null || m.dropout === undefined) &&
    !m.continuing_subword_prefix &&
    !m.end_of_word_suffix;
  const gpt2Pre = pre?.type === 'ByteLevel' && pre.add_prefix_space !== true && pre.use_regex !== false;
  const plainAdded = (json.added_tokens ?? []).every((t) => !t.lstrip && !t.rstrip && !t.single_word);
  if (!plainBpe || !gpt2Pre || (json.normalizer ?? null) !== null || !plainAdded) return undefined;
  if (json.decoder && json.decoder.type !== 'ByteLevel') return undefined;

  const ids = new Map(vocab);
  const tokenBytes: (Uint8Array | undefined)[] = [];
  const enc = new TextEncoder();
  for (const [token, id] of vocab) tokenBytes[id] = byteLevelBytes(token) ?? enc.encode(token);
  const specialTokens = new Map<string, number>();
  for (const t of json.added_tokens ?? []) {
    specialTokens.set(t.content, t.id);
    tokenBytes[t.id] = enc.encode(t.content);
  }
  const byteIds = new Int32Array(256).fill(-1);
  for (const [token, id] of vocab) {
    const b = byteLevelBytes(token);
    if (b !== undefined && b.length === 1) byteIds[b[0]] = id;
  }
  // A byte missing from the vocab would need unk handling: leave such files to the binding.
  if (byteIds.some((id) => id < 0)) return undefined;
  const merges = m.merges ?? [];
  const pairs = new PairTable(merges.length);
  merges.forEach((merge, rank) => {
    const [a, b] = typeof merge === 'string' ? splitMerge(merge) : merge;
    const left = ids.get(a);
    const right = ids.get(b);
    const merged = ids.get(a + b);
    if (left !== undefined && right !== undefined && merged !== undefined) pairs.set(left, right, merged, rank);
  });
  return { tokenBytes, byteIds, pairs, wholeTokenShortcut: m.ignore_merges === true, splitPiece: gpt2PieceEnd, specialTokens };
}

/**
 * The identity of a GPT-2-shaped file: the same form as for tiktoken ranks (see
 * tokenizer-identity.ts), so a file holding GPT-2's vocabulary hashes as builtin `gpt2`. The
 * whole-token shortcut (tiktoken's, HF's ignore_merges) is left out: where every token is built
 * by the merges, as in GPT-2 (test/tokenize/*-reference.test.ts), it changes no id.
 */
function byteLevelIdentity(spec: ByteBpeSpec, json: TokenizerJson, vocab: [string, number][]): string {
  const specials = spec.specialTokens ?? new Map<string, number>();
  const specialIds = new Set(specials.values());
  const tokens: (string | undefined)[] = [];
  for (const [, id] of vocab) if (!specialIds.has(id)) tokens[id] = Buffer.from(spec.tokenBytes[id]!).toString('latin1');
  const ids = new Map(vocab);
  const order = new Set<number>();
  for (const merge of json.model!.merges ?? []) {
    const [a, b] = typeof merge === 'string' ? splitMerge(merge) : merge;
    const merged = ids.get(a + b);
    if (merged !== undefined && !specialIds.has(merged)) order.add(merged);
  }
  return byteBpeIdentity({ pretokenizer: 'gpt2', tokens, mergeOrder: order, specials });
}

// The native binding is loaded only for files kiln's own BPE does not run: every encode worker
// would otherwise dlopen it at start for nothing.
const require = createRequire(import.meta.url);
function hfBinding(): typeof import('tokenizers') {
  return require('tokenizers') as typeof import('tokenizers');
}

function splitMerge(merge: string): [string, string] {
  const at = merge.indexOf(' ', 1);
  return [merge.slice(0, at), merge.slice(at + 1)];
}

/** A Tokenizer on HF tokenizers' Rust binding (the reference implementation). */
function bindingTokenizer(info: TokenizerInfo, json: TokenizerJson, text: string, path: string): Tokenizer {
  let hf: HfTokenizer;
  try {
    hf = hfBinding().Tokenizer.fromString(text);
  } catch (err) {
    // Older files (bert-base-uncased among them) leave out model.type; the Rust side then needs it.
    const model = json.model!;
    if (model.type !== undefined) throw new CorruptInputError(`tokenizers cannot load ${path}: ${(err as Error).message}`, { path }, { cause: err });
    const type = model.merges !== undefined ? 'BPE' : Array.isArray(model.vocab) ? 'Unigram' : 'WordPiece';
    hf = hfBinding().Tokenizer.fromString(JSON.stringify({ ...json, model: { type, ...model } }));
  }
  const splittable = WHITESPACE_SPLITTING.has(json.pre_tokenizer?.type ?? '');
  const options = { addSpecialTokens: false };
  const encodeBatch = async (texts: string[]): Promise<Uint32Array[]> => {
    if (!splittable || texts.every((t) => t.length <= LONG_TEXT_CHARS)) {
      const encs = await hf.encodeBatch(texts, options);
      return encs.map((e) => Uint32Array.from(e.getIds()));
    }
    const out: Uint32Array[] = [];
    for (const t of texts) {
      const parts = await hf.encodeBatch(splitAtWhitespace(t, LONG_TEXT_CHARS), options);
      const ids = parts.flatMap((e) => e.getIds());
      out.push(Uint32Array.from(ids));
    }
    return out;
  };
  return {
    ...info,
    encode: async (t) => (await encodeBatch([t]))[0],
    encodeBatch,
    decode: async (ids) => hf.decode(Array.from(ids), false),
  };
}
