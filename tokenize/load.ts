// loadTokenizer: one entry point for built-in names, tokenizer.json files and .tiktoken files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { bpeTokenizer } from './bpe-tokenizer.js';
import { BUILTIN_NAMES, isBuiltin, loadBuiltin } from './builtin.js';
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';
import { loadHfTokenizer } from './hf-tokenizer.js';
import { readTiktokenFile, specFromRanks } from './rank-table.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Loads a tokenizer: a built-in name (gpt2, r50k_base, cl100k_base, o200k_base), a
 * tokenizer.json file or a folder holding one, or a GPT-2-pattern `.tiktoken` ranks file.
 */
export function loadTokenizer(nameOrPath: string): Tokenizer {
  if (isBuiltin(nameOrPath)) return loadBuiltin(nameOrPath);
  let path = nameOrPath;
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'tokenizer.json');
  if (!existsSync(path)) {
    throw new ConfigError(`unknown tokenizer "${nameOrPath}": not one of ${BUILTIN_NAMES.join(', ')} and no such file`, { key: 'tokenizer' });
  }
  if (path.endsWith('.tiktoken')) {
    const ranks = readTiktokenFile(path);
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    return bpeTokenizer({ name: basename(path, '.tiktoken'), hash, vocabSize: ranks.length }, specFromRanks(ranks, gpt2PieceEnd));
  }
  return loadHfTokenizer(path);
}
