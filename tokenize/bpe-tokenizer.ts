// Wraps kiln's ByteBpe engine in the Tokenizer interface.
import { ByteBpe, type ByteBpeSpec } from './byte-bpe.js';
import type { Tokenizer, TokenizerInfo } from './tokenizer.js';

/** A Tokenizer backed by kiln's byte-level BPE. */
export function bpeTokenizer(info: TokenizerInfo, spec: ByteBpeSpec): Tokenizer {
  const bpe = new ByteBpe(spec);
  const encodeSync = (text: string): Uint32Array => bpe.encode(text);
  const decodeSync = (ids: ArrayLike<number>): string => bpe.decode(ids);
  return {
    ...info,
    encodeSync,
    encodeInto: (text, out) => bpe.encodeInto(text, out),
    decodeSync,
    encode: async (text) => encodeSync(text),
    encodeBatch: async (texts) => texts.map(encodeSync),
    decode: async (ids) => decodeSync(ids),
  };
}
