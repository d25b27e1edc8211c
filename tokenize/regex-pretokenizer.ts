// Pre-tokenizers given as a regex (cl100k_base, o200k_base, tokenizer.json Split patterns),
// run with a sticky regex so each call matches exactly at `start`.
import type { PieceSplitter } from './byte-bpe.js';

// Unicode White_Space, which the references' regex engines use for `\s`; JavaScript's `\s`
// differs (adds U+FEFF, lacks U+0085), so patterns are rewritten to this class.
const WS = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;

/** Rewrites `\s` / `\S` in a pattern (inside or outside a class) to Unicode White_Space. */
export function withUnicodeWhiteSpace(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1];
      if (n === 's') out += inClass ? WS : `[${WS}]`;
      else if (n === 'S') out += inClass ? `\\S` : `[^${WS}]`;
      else out += c + n;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

/** A splitter that matches `pattern` at each position (a char it cannot match becomes a piece). */
export function regexSplitter(pattern: string): PieceSplitter {
  const re = new RegExp(withUnicodeWhiteSpace(pattern), 'uy');
  return (text, start) => {
    re.lastIndex = start;
    return re.test(text) && re.lastIndex > start ? re.lastIndex : start + 1;
  };
}

const CONTRACTION = String.raw`'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])`;

/** GPT-2 (r50k_base) pattern; gpt2-pretokenizer.ts is its fast equivalent. */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** cl100k_base pattern (tiktoken's current one: possessives dropped, which match the same here). */
export const CL100K_PATTERN = String.raw`${CONTRACTION}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s`;

/** o200k_base pattern (tiktoken). */
export const O200K_PATTERN = [
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:${CONTRACTION})?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:${CONTRACTION})?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join('|');
