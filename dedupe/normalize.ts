// Exact dedupe compares documents after this folding, so copies that differ only in Unicode
// form (NFKC: full-width letters, ligatures, NBSP), case, punctuation or spacing count as one.
// One table-driven pass over UTF-16 code units (the word scanner's tables): the regex chain
// NFKC + toLowerCase + replace(\p{P}\p{S}) + replace(\s+) ran at ~65 MB/s, this at several
// hundred, which kept exact hashing from halving the signature phase's throughput.
import { CHAR_CLASS, LOWER, SEPARATOR, classifyAstral } from './char-classes.js';

/**
 * Writes the folded form of `text` into `buf` (grown as needed) and returns it with its length:
 * NFKC (only when the text has non-ASCII characters: NFKC leaves ASCII unchanged), lower case,
 * every run of non-letters/digits/marks (punctuation, symbols, spaces, controls) as one space,
 * no leading or trailing space.
 */
export function foldForExact(text: string, buf: Uint16Array): { buf: Uint16Array; length: number } {
  let s = text;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      s = s.normalize('NFKC');
      break;
    }
  }
  if (buf.length < s.length) buf = new Uint16Array(s.length + 1024);
  let n = 0;
  let space = false;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        if (classifyAstral(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) === SEPARATOR) {
          space = n > 0;
          continue;
        }
        if (space) buf[n++] = 32;
        space = false;
        buf[n++] = c;
        buf[n++] = d;
        continue;
      }
    }
    if (CHAR_CLASS[c] === SEPARATOR) {
      space = n > 0;
      continue;
    }
    if (space) buf[n++] = 32;
    space = false;
    buf[n++] = LOWER[c];
  }
  return { buf, length: n };
}

const utf16 = new TextDecoder('utf-16le');

/** The text exact dedupe hashes: NFKC, lower case, punctuation/symbols/spacing folded to one space. */
export function normalizeForExact(text: string): string {
  const { buf, length } = foldForExact(text, new Uint16Array(text.length));
  return utf16.decode(buf.subarray(0, length));
}
