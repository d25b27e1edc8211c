// loadTokenizer: one entry point for built-in names, tokenizer.json files and .tiktoken files.
import { basename } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { builtinSetup, isBuiltin, loadBuiltin } from './builtin.js';
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';
import { loadHfTokenizer } from './hf-tokenizer.js';
import { ranksTokenizer, readTiktokenFile } from './rank-table.js';
import type { Tokenizer } from './tokenizer.js';
import { tokenizerFileOf, unknownTokenizerReason } from './tokenizer-source.js';

/**
 * Loads a tokenizer: a built-in name (gpt2, r50k_base, cl100k_base, o200k_base), a
 * tokenizer.json file or a folder holding one, or a GPT-2-pattern `.tiktoken` ranks file.
 */
export function loadTokenizer(nameOrPath: string): Tokenizer {
  if (isBuiltin(nameOrPath)) return loadBuiltin(nameOrPath);
  const path = tokenizerFileOf(nameOrPath);
  if (path === undefined) throw new ConfigError(unknownTokenizerReason(nameOrPath)!, { key: 'tokenizer' });
  if (path.endsWith('.tiktoken')) return loadTiktoken(path);
  return loadHfTokenizer(path);
}

/**
 * A `.tiktoken` ranks file, read with GPT-2's pre-tokenizer. The file holds no special tokens:
 * as in tiktoken, a file named for a built-in encoding whose ranks are that encoding's gets its
 * specials (and so an EOS id), and then is the built-in tokenizer.
 */
function loadTiktoken(path: string): Tokenizer {
  const name = basename(path, '.tiktoken');
  const ranks = readTiktokenFile(path);
  if (isBuiltin(name) && name !== 'gpt2') {
    const asBuiltin = ranksTokenizer(name, ranks, builtinSetup(name));
    if (asBuiltin.hash === loadBuiltin(name).hash) return asBuiltin;
  }
  return ranksTokenizer(name, ranks, { pretokenizer: 'gpt2', splitPiece: gpt2PieceEnd, specials: new Map() });
}
