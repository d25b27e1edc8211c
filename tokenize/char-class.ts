// Character classes of the GPT-2 pre-tokenizer regex (\p{L}, \p{N}, \s), looked up in a table
// instead of running the regex: the regex engine allocates a match per pre-token and was the
// largest cost in gpt-tokenizer's encode loop.

/** Class of a code point as the GPT-2 pattern sees it. */
export const enum CharClass {
  Other = 0,
  Letter = 1,
  Number = 2,
  Space = 3,
}

// `\s` follows Unicode White_Space as the reference implementations do (tiktoken's Rust regex,
// HF tokenizers' Oniguruma): it includes U+0085 and excludes U+FEFF, unlike JavaScript's `\s`.
const WHITE_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

const LETTER = /^\p{L}$/u;
const NUMBER = /^\p{N}$/u;

function classify(cp: number): CharClass {
  if (WHITE_SPACE.has(cp)) return CharClass.Space;
  const s = String.fromCodePoint(cp);
  if (LETTER.test(s)) return CharClass.Letter;
  if (NUMBER.test(s)) return CharClass.Number;
  return CharClass.Other;
}

/** Classes of the Basic Multilingual Plane, indexed by UTF-16 code unit (64 KiB, built once). */
export const BMP_CLASS: Uint8Array = (() => {
  // Built from the runs a \p{..}+ scan finds over all BMP characters: one regex test per code
  // point took ~20 ms, paid again by every encode worker at start.
  const table = new Uint8Array(0x10000);
  // Surrogates stay Other here: astralClass classifies pairs, and a lone one is Other, as in the regex.
  const utf16 = new TextDecoder('utf-16le');
  const below = utf16.decode(Uint16Array.from({ length: 0xd800 }, (_, i) => i));
  const above = utf16.decode(Uint16Array.from({ length: 0x10000 - 0xe000 }, (_, i) => 0xe000 + i));
  for (const [text, offset] of [[below, 0], [above, 0xe000]] as const) {
    for (const [pattern, cls] of [[/\p{L}+/gu, CharClass.Letter], [/\p{N}+/gu, CharClass.Number]] as const) {
      for (const m of text.matchAll(pattern)) table.fill(cls, offset + m.index, offset + m.index + m[0].length);
    }
  }
  for (const cp of WHITE_SPACE) table[cp] = CharClass.Space;
  return table;
})();

// Astral code points are rare (emoji, historic scripts, math letters); memoised lazily.
const astral = new Map<number, CharClass>();

/** Class of a code point above U+FFFF. */
export function astralClass(cp: number): CharClass {
  let c = astral.get(cp);
  if (c === undefined) {
    c = classify(cp);
    astral.set(cp, c);
  }
  return c;
}
