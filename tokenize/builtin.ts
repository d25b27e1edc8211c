// Built-in tokenizers that work offline: OpenAI's r50k_base (GPT-2), cl100k_base and o200k_base,
// with the ranks gpt-tokenizer ships (so no download), encoded by kiln's own BPE engine.
import { createRequire } from 'node:module';
import type { PieceSplitter } from './byte-bpe.js';
import { ConfigError } from '../core/errors.js';
import { BUILTIN_NAMES, isBuiltin, type BuiltinName } from './builtin-names.js';
import { gpt2PieceEnd } from './gpt2-pretokenizer.js';
import { latin1OfText, ranksTokenizer, type RanksSetup } from './rank-table.js';
import { CL100K_PATTERN, O200K_PATTERN, regexSplitter } from './regex-pretokenizer.js';
import type { Tokenizer } from './tokenizer.js';

export { BUILTIN_NAMES, isBuiltin } from './builtin-names.js';

interface Builtin {
  ranks: string;
  /** Pre-tokenizer kind, part of the identity hash. */
  pretokenizer: string;
  split: () => PieceSplitter;
  specials: [string, number][];
  eos: string;
}

const BUILTINS: Record<Exclude<BuiltinName, 'gpt2'>, Builtin> = {
  r50k_base: { ranks: 'r50k_base', pretokenizer: 'gpt2', split: () => gpt2PieceEnd, specials: [['<|endoftext|>', 50256]], eos: '<|endoftext|>' },
  cl100k_base: {
    ranks: 'cl100k_base',
    pretokenizer: 'cl100k',
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
    pretokenizer: 'o200k',
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
  return ranksTokenizer(canonical === 'r50k_base' && name === 'gpt2' ? 'gpt2' : canonical, keys, builtinSetup(canonical));
}

/**
 * How built-in `name` (a canonical name, not an alias) cuts text and its special tokens: a
 * `.tiktoken` file holds ranks only, tiktoken itself knows the specials by the encoding's name.
 */
export function builtinSetup(name: Exclude<BuiltinName, 'gpt2'>): RanksSetup {
  const def = BUILTINS[name];
  return { pretokenizer: def.pretokenizer, splitPiece: def.split(), specials: new Map(def.specials), eos: def.eos };
}
