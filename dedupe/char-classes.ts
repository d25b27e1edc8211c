// Per-code-unit lookup tables for the Basic Multilingual Plane, built once per thread (~20 ms),
// so the word scanner classifies and case-folds each character with two array reads instead of
// a Unicode regex per character (a \p{L}\p{N} regex over the whole text measured ~2x slower,
// Intl.Segmenter ~10x slower; see bench/RESULTS.md, dedupe).

/** Not part of a word: whitespace, punctuation, symbols, controls. */
export const SEPARATOR = 0;
/** Letter, digit or combining mark: extends the current word. */
export const WORD = 1;
/** A character of a script written without spaces (Han, kana, Thai, ...): a word on its own. */
export const STANDALONE = 2;

const wordRe = /^[\p{L}\p{N}\p{M}]$/u;
const standaloneRe = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]$/u;

function classify(ch: string): number {
  if (!wordRe.test(ch)) return SEPARATOR;
  return standaloneRe.test(ch) ? STANDALONE : WORD;
}

function buildTables(): { classes: Uint8Array; lower: Uint16Array } {
  const classes = new Uint8Array(0x10000);
  const lower = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    lower[c] = c;
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    classes[c] = classify(ch);
    const l = ch.toLowerCase();
    // Only one-unit foldings go in the table; the rare ones that expand (U+0130) keep their case.
    if (l.length === 1) lower[c] = l.charCodeAt(0);
  }
  return { classes, lower };
}

const tables = buildTables();

/** Class (SEPARATOR, WORD, STANDALONE) of each BMP code unit. */
export const CHAR_CLASS: Uint8Array = tables.classes;
/** Lower-case code unit of each BMP code unit (itself when it has no one-unit lower case). */
export const LOWER: Uint16Array = tables.lower;

/** Class of a supplementary-plane code point (emoji, historic scripts, CJK extensions). */
export function classifyAstral(codePoint: number): number {
  return classify(String.fromCodePoint(codePoint));
}
