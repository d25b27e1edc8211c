// The names of the built-in tokenizers, apart from builtin.ts so checking a name (the CLI, the
// shared pool) does not load the BPE engine and its tables on the main thread.

/** Names `loadTokenizer` accepts without a file (`gpt2` is r50k_base). */
export const BUILTIN_NAMES = ['gpt2', 'r50k_base', 'cl100k_base', 'o200k_base'] as const;

/** A built-in tokenizer's name. */
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

/** True when `name` is a built-in tokenizer name. */
export function isBuiltin(name: string): name is BuiltinName {
  return (BUILTIN_NAMES as readonly string[]).includes(name);
}
