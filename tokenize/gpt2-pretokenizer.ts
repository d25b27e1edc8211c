// A hand-written scanner equivalent to GPT-2's pre-tokenizer regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// It returns where the pre-token starting at `start` ends, without allocating, and runs in time
// linear in the pre-token (the regex's `\s+(?!\S)` backtracks). test/tokenize proves it splits
// exactly like the regex on random and tricky text.
import { astralClass, BMP_CLASS, CharClass } from './char-class.js';

function classAt(text: string, i: number): CharClass {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return BMP_CLASS[c] as CharClass;
  if (i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
  }
  return CharClass.Other;
}

function widthAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function runEnd(text: string, i: number, cls: CharClass): number {
  const len = text.length;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c < 0xd800) {
      if (BMP_CLASS[c] !== cls) return i;
      i++;
    } else {
      if (classAt(text, i) !== cls) return i;
      i += widthAt(text, i);
    }
  }
  return i;
}

/** End (exclusive) of the GPT-2 pre-token that starts at `start` (< text.length). */
export function gpt2PieceEnd(text: string, start: number): number {
  const len = text.length;
  const c = text.charCodeAt(start);
  if (c === 0x27 && start + 1 < len) {
    const n = text.charCodeAt(start + 1);
    // 's 't 'm 'd
    if (n === 0x73 || n === 0x74 || n === 0x6d || n === 0x64) return start + 2;
    if (start + 2 < len) {
      const n2 = text.charCodeAt(start + 2);
      // 're 've 'll
      if ((n2 === 0x65 && (n === 0x72 || n === 0x76)) || (n === 0x6c && n2 === 0x6c)) return start + 3;
    }
  }
  let cls = classAt(text, start);
  let i = start;
  if (c === 0x20 && start + 1 < len) {
    const next = classAt(text, start + 1);
    if (next !== CharClass.Space) {
      cls = next;
      i = start + 1;
    }
  }
  if (cls !== CharClass.Space) return runEnd(text, i + widthAt(text, i), cls);
  // A whitespace run leaves its last character to the next pre-token (` ?\p{L}+` etc.) unless
  // the run ends the text or is a single character.
  const end = runEnd(text, start + 1, CharClass.Space);
  if (end === len || end - start === 1) return end;
  return end - 1;
}
