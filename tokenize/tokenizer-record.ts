// The tokenizer a tokens dataset was made with, stored beside it so `shard` and `train` know the
// vocab size, the EOS id and the hash without loading the tokenizer (DESIGN: shard index keeps
// tokenizer name + hash).
import { copyFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { layout } from '../core/dataset-layout.js';
import { ConfigChangedError, CorruptInputError } from '../core/errors.js';
import type { TokenizerInfo } from './tokenizer.js';
import { makeDirs } from '../core/make-dirs.js';

const STAGE_DIR = 'tokenize';

/** `<dataset>/_kiln/tokenize/info.json`: the tokenizer's identity. */
export function tokenizerInfoPath(dataset: string): string {
  return path.join(layout.stageState(dataset, STAGE_DIR), 'info.json');
}

/** `<dataset>/_kiln/tokenize/tokenizer.json`: a copy of the tokenizer file, when it came from one. */
export function tokenizerCopyPath(dataset: string): string {
  return path.join(layout.stageState(dataset, STAGE_DIR), 'tokenizer.json');
}

/**
 * Records `info` for `dataset`, or checks it against the recorded one: a resumed run with a
 * changed tokenizer file would otherwise mix two vocabularies in one dataset.
 */
export async function recordTokenizer(dataset: string, info: TokenizerInfo, source: string): Promise<void> {
  const existing = await readJsonIfExists<TokenizerInfo>(tokenizerInfoPath(dataset));
  if (existing) {
    if (existing.hash !== info.hash) {
      throw new ConfigChangedError(`tokenizer ${source} changed since ${dataset} was started (hash ${existing.hash.slice(0, 12)} → ${info.hash.slice(0, 12)}); pass --overwrite to start again`, { path: dataset, key: 'tokenizer' });
    }
    return;
  }
  await makeDirs(layout.stageState(dataset, STAGE_DIR));
  if (existsSync(source) && statSync(source).isFile() && source.endsWith('.json')) {
    await copyFile(source, tokenizerCopyPath(dataset));
  }
  const record: TokenizerInfo = { name: info.name, hash: info.hash, vocabSize: info.vocabSize, ...(info.eosId !== undefined ? { eosId: info.eosId } : {}) };
  await writeFileAtomic(tokenizerInfoPath(dataset), JSON.stringify(record, null, 1));
}

/** The tokenizer (name, hash, vocab size, EOS id) of a tokens dataset written by `kiln tokenize`. */
export async function readTokenizerInfo(tokensDatasetDir: string): Promise<TokenizerInfo> {
  const info = await readJsonIfExists<TokenizerInfo>(tokenizerInfoPath(tokensDatasetDir));
  if (!info || typeof info.name !== 'string' || typeof info.hash !== 'string' || !Number.isInteger(info.vocabSize)) {
    throw new CorruptInputError(`${tokensDatasetDir} is not a tokens dataset (no valid ${path.relative(tokensDatasetDir, tokenizerInfoPath(tokensDatasetDir))})`, { path: tokensDatasetDir });
  }
  return info;
}
