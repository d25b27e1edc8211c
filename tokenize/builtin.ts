// Built-in tokenizers that work offline: OpenAI's r50k_base (GPT-2), cl100k_base and o200k_base,
// with the ranks gpt-tokenizer ships (so no download), encoded by kiln's own BPE engine.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PieceSplitter } from './byte-bpe.js';
import { ConfigError } from '../core/errors.js';
import { bpeTokenizer } from './bpe-tokenizer.js';
import { BUILTIN_NAMES, isBuiltin, type BuiltinName } from './builtin-names.js';
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';
import { latin1OfText, specFromRanks } from './rank-table.js';
import { CL100K_PATTERN, O200K_PATTERN, regexSplitter } from './regex-pretokenizer.js';
import type { Tokenizer } from './tokenizer.js';

export { BUILTIN_NAMES, isBuiltin } from './builtin-names.js';

interface Builtin {
  ranks: string;
  split: () => PieceSplitter;
  specials: [string, number][];
  eos: string;
}

const BUILTINS: Record<Exclude<BuiltinName, 'gpt2'>, Builtin> = {
  r50k_base: { ranks: 'r50k_base', split: () => gpt2PieceEnd, specials: [['<|endoftext|>', 50256]], eos: '<|endoftext|>' },
  cl100k_base: {
    ranks: 'cl100k_base',
    split: () => regexSplitter(CL100K_PATTERN),
    specials: [
      ['<|endoftext|>', 100257],
      ['<|fim_prefix|>', 100258],
      ['<|fim_middle|>', 100259],
      ['<|fim_suffix|>', 100260],
      ['<|endofprompt|>', 100276],
    ],
    eos: '<|endoftext|>',
  },
  o200k_base: {
    ranks: 'o200k_base',
    split: () => regexSplitter(O200K_PATTERN),
    specials: [
      ['<|endoftext|>', 199999],
      ['<|endofprompt|>', 200018],
    ],
    eos: '<|endoftext|>',
  },
};

const ALIASES: Partial<Record<BuiltinName, keyof typeof BUILTINS>> = { gpt2: 'r50k_base' };


const require = createRequire(import.meta.url);

/** Loads a built-in tokenizer by name (`gpt2` is r50k_base). */
export function loadBuiltin(name: string): Tokenizer {
  if (!isBuiltin(name)) throw new ConfigError(`unknown built-in tokenizer "${name}": not one of ${BUILTIN_NAMES.join(', ')}`, { key: 'tokenizer' });
  const canonical = ALIASES[name] ?? (name as keyof typeof BUILTINS);
  const def = BUILTINS[canonical];
  // gpt-tokenizer's rank files are an array indexed by rank: a string for UTF-8 tokens, else bytes.
  const module = `gpt-tokenizer/cjs/bpeRanks/${def.ranks}`;
  const raw = (require(module) as { default: (string | number[])[] }).default;
  const keys: (string | undefined)[] = new Array(raw.length);
  for (let id = 0; id < raw.length; id++) {
    const t = raw[id];
    if (t !== undefined) keys[id] = typeof t === 'string' ? latin1OfText(t) : String.fromCharCode(...t);
  }
  const specials = new Map(def.specials);
  // The hash covers the rank file as shipped plus the special tokens.
  const hash = createHash('sha256').update(canonical).update(readFileSync(require.resolve(module)));
  for (const [text, id] of specials) hash.update(`special ${id}:${text}`);
  const vocabSize = Math.max(keys.length, ...[...specials.values()].map((id) => id + 1));
  return bpeTokenizer(
    { name: canonical === 'r50k_base' && name === 'gpt2' ? 'gpt2' : canonical, hash: hash.digest('hex'), vocabSize, eosId: specials.get(def.eos) },
    specFromRanks(keys, def.split(), specials),
  );
}
