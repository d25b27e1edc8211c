// The one interface every tokenizer kiln can load implements, whatever runs underneath
// (kiln's own byte-level BPE, or HF tokenizers' Rust binding for other model types).
import type { TokenBuffer } from './token-buffer.js';

/** Identity of a tokenizer as recorded in datasets and shards. */
export interface TokenizerInfo {
  name: string;
  /** Identity hash (sha256 hex) of what decides the ids, not of the file (tokenizer-identity.ts): same hash, same ids. */
  hash: string;
  vocabSize: number;
  eosId?: number;
}

/** A loaded tokenizer. encode/decode are async because the HF binding only offers async calls. */
export interface Tokenizer extends TokenizerInfo {
  /** Token ids of `text` exactly as the reference implementation gives them; no BOS/EOS added. */
  encode(text: string): Promise<Uint32Array>;
  /** Token ids of many texts, in order (the fast path: one call into native code per batch). */
  encodeBatch(texts: string[]): Promise<Uint32Array[]>;
  /** Text of `ids`, special tokens included. */
  decode(ids: ArrayLike<number>): Promise<string>;
  /** Present when encoding runs synchronously in JS (kiln's byte-level BPE). */
  encodeSync?(text: string): Uint32Array;
  /** Present with encodeSync: appends the ids of `text` to `out` without an extra copy. */
  encodeInto?(text: string, out: TokenBuffer): void;
  /** Present when decoding runs synchronously in JS. */
  decodeSync?(ids: ArrayLike<number>): string;
}
