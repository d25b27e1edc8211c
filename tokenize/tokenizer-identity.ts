// A tokenizer's identity hash, computed from what decides its ids rather than from the bytes of
// the file it came in: builtin `gpt2`, GPT-2's tokenizer.json and r50k_base.tiktoken are one
// tokenizer written three ways, and datasets made with any of them may be mixed, sampled and
// trained on together. Two tokenizers with the same identity give the same ids for ordinary text.
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { canonicalJson } from '../core/config-hash.js';

// Bumped when the canonical form changes, so old and new hashes never collide by accident.
const VERSION = 'kiln-tokenizer-identity/1';

/** A byte-level BPE as the identity sees it. */
export interface ByteBpeIdentity {
  /** How text is cut into pre-tokens before merging (e.g. `gpt2`, `cl100k`, `o200k`). */
  pretokenizer: string;
  /** Bytes of each ordinary token by id, as latin1 (one char per byte); undefined for unused ids. */
  tokens: (string | undefined)[];
  /** Ids of the multi-byte tokens in the order merges create them (tiktoken: by rank; HF: by merge index). */
  mergeOrder: Iterable<number>;
  /** Special tokens (text → id); they mean the same ids whichever way they are matched. */
  specials: Iterable<[string, number]>;
}

/** The identity hash (sha256 hex) of a byte-level BPE. */
export function byteBpeIdentity(t: ByteBpeIdentity): string {
  const h = createHash('sha256').update(`${VERSION}\nbyte-bpe\npretokenizer ${t.pretokenizer}\n`);
  // Three bulk updates (ids with lengths, all token bytes, merge order) rather than one per
  // token: every encode worker computes this when it loads the tokenizer.
  const present: string[] = [];
  const idLengths: number[] = [];
  t.tokens.forEach((key, id) => {
    if (key === undefined) return;
    present.push(key);
    idLengths.push(id, key.length);
  });
  h.update(littleEndian(idLengths));
  h.update(present.join(''), 'latin1');
  h.update('\nmerges\n');
  h.update(littleEndian(t.mergeOrder));
  // Special tokens are text, hashed as UTF-8.
  for (const [text, id] of [...t.specials].sort((a, b) => a[1] - b[1])) h.update(`special ${id} ${JSON.stringify(text)}\n`, 'utf8');
  return h.digest('hex');
}

/** Ids of the multi-byte tokens in rank order: tiktoken merges by the rank (= id) of the merged token. */
export function rankMergeOrder(tokens: readonly (string | undefined)[]): number[] {
  const order: number[] = [];
  tokens.forEach((key, id) => {
    if (key !== undefined && key.length > 1) order.push(id);
  });
  return order;
}

/**
 * The identity hash of a tokenizer.json that runs on HF tokenizers: its normalizer,
 * pre-tokenizer, model and added tokens with keys sorted (decoder, post-processor, padding and
 * truncation do not change the ids kiln takes, which adds no special tokens).
 */
export function tokenizerJsonIdentity(json: { normalizer?: unknown; pre_tokenizer?: unknown; model?: unknown; added_tokens?: unknown }): string {
  const canonical = canonicalJson({ normalizer: json.normalizer ?? null, pre_tokenizer: json.pre_tokenizer ?? null, model: json.model ?? null, added_tokens: json.added_tokens ?? [] });
  return createHash('sha256').update(`${VERSION}\ntokenizer.json\n`).update(canonical).digest('hex');
}

/** `values` as uint32 little-endian bytes, so the hash is the same on big-endian machines. */
function littleEndian(values: Iterable<number>): Buffer {
  const bytes = Buffer.from(Uint32Array.from(values).buffer);
  return endianness() === 'BE' ? bytes.swap32() : bytes;
}
