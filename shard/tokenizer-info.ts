import { readFileSync } from 'node:fs';
import path from 'node:path';
import { layout } from '../core/dataset-layout.js';
import { ConfigError } from '../core/errors.js';

/** What the shard stage needs to know about the tokenizer that made its input. */
export interface TokenizerInfo {
  name: string;
  hash: string;
  vocabSize: number;
  eosId?: number;
}

/**
 * The tokenizer `kiln tokenize` recorded beside a tokens dataset (`_kiln/tokenize/info.json`),
 * read as a file so the shard stage needs no code of the tokenize stage; undefined when absent.
 */
export function tokenizerInfoOf(dir: string): TokenizerInfo | undefined {
  let info: Partial<TokenizerInfo>;
  try {
    info = JSON.parse(readFileSync(path.join(layout.stageState(dir, 'tokenize'), 'info.json'), 'utf8')) as Partial<TokenizerInfo>;
  } catch {
    return undefined;
  }
  if (typeof info.name !== 'string' || typeof info.hash !== 'string' || !Number.isInteger(info.vocabSize)) return undefined;
  return { name: info.name, hash: info.hash, vocabSize: info.vocabSize!, eosId: Number.isInteger(info.eosId) ? info.eosId : undefined };
}

/**
 * The one tokenizer all inputs share; mixing vocabularies in one set of shards is refused. The
 * hash is the tokenizer's identity (see tokenize/tokenizer-identity.ts), so one tokenizer
 * loaded two ways (builtin `gpt2`, GPT-2's tokenizer.json) is one tokenizer here.
 */
export function commonTokenizer(dirs: readonly string[]): TokenizerInfo | undefined {
  let first: { dir: string; info: TokenizerInfo } | undefined;
  for (const dir of dirs) {
    const info = tokenizerInfoOf(dir);
    if (!info) continue;
    if (first && first.info.hash !== info.hash) {
      throw new ConfigError(
        `inputs were tokenized with different tokenizers: ${first.dir} with ${first.info.name} (${first.info.hash.slice(0, 12)}, vocab ${first.info.vocabSize}), ${dir} with ${info.name} (${info.hash.slice(0, 12)}, vocab ${info.vocabSize}); tokenize them with one tokenizer`,
        { path: dir, key: 'tokenizer' },
      );
    }
    first ??= { dir, info };
  }
  return first?.info;
}
