// Where a tokenizer setting points, checked without loading anything: a pipeline checks its
// tokenize stage's setting when it is planned, and the loader resolves the same way.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_NAMES, isBuiltin } from './builtin-names.js';

/** The file `spec` names: itself, or the tokenizer.json in it when it is a folder; undefined when absent. */
export function tokenizerFileOf(spec: string): string | undefined {
  const file = existsSync(spec) && statSync(spec).isDirectory() ? join(spec, 'tokenizer.json') : spec;
  return existsSync(file) ? file : undefined;
}

/** Why `spec` names no tokenizer (neither built-in nor an existing file), or undefined when it does. */
export function unknownTokenizerReason(spec: string): string | undefined {
  if (isBuiltin(spec) || tokenizerFileOf(spec) !== undefined) return undefined;
  return `unknown tokenizer "${spec}": not one of ${BUILTIN_NAMES.join(', ')} and no such file`;
}
