// The hand-written GPT-2 scanner splits exactly like the GPT-2 regex as published, not as kiln
// spells it: the reference pattern is copied from tiktoken (openai/tiktoken @
// 1f098ca4d7d84025e94f2e84795fad713f8e6f3f : tiktoken_ext/openai_public.py, `r50k_base` pat_str;
// the same text as openai/gpt-2 @ 1b8a0187d70a2dbe4de8322598496d476e069f4c : src/encoder.py less
// its `<|endoftext|>` branch).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { gpt2PieceEnd } from '../../tokenize/gpt2-pretokenizer.js';
import { withUnicodeWhiteSpace } from '../../tokenize/regex-pretokenizer.js';
import { TRICKY_TEXTS } from './tricky-text.js';

const PUBLISHED_GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

// tiktoken runs the pattern with Rust's regex engine, whose `\s` is `\p{White_Space}`; JavaScript's
// `\s` is another set (it has U+FEFF, lacks U+0085), so the same property is spelled out here.
const regex = new RegExp(PUBLISHED_GPT2_PATTERN.replaceAll(String.raw`\s`, String.raw`\p{White_Space}`).replaceAll(String.raw`\S`, String.raw`\P{White_Space}`), 'gu');

function scan(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const end = gpt2PieceEnd(text, i);
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

const byRegex = (text: string): string[] => [...text.matchAll(regex)].map((m) => m[0]);

// Characters that exercise every branch: letters, digits, apostrophes, every kind of space.
const ALPHABET = [..."aZé中ß1٣½'sdtmlrve .,!-_\t\n\r\u000b\u00a0\u0085\u2028\u3000\ufeff\u200b🎉👍🏽𝐀"];

test('scanner equals the regex on tricky text', () => {
  for (const t of TRICKY_TEXTS) assert.deepEqual(scan(t), byRegex(t), JSON.stringify(t));
});

test('scanner equals the regex on random strings (property)', () => {
  const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((a) => a.join(''));
  fc.assert(
    fc.property(text, (t) => {
      assert.deepEqual(scan(t), byRegex(t));
    }),
    { numRuns: 3000 },
  );
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (t) => assert.deepEqual(scan(t), byRegex(t))), { numRuns: 1000 });
});

test('the whitespace class kiln puts into regex pre-tokenizers is exactly Unicode White_Space', () => {
  const kiln = new RegExp(`^${withUnicodeWhiteSpace(String.raw`\s`)}$`, 'u');
  const kilnNot = new RegExp(`^${withUnicodeWhiteSpace(String.raw`\S`)}$`, 'u');
  const unicode = /^\p{White_Space}$/u;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (kiln.test(c) !== unicode.test(c) || kilnNot.test(c) === unicode.test(c)) assert.fail(`U+${cp.toString(16)}: kiln ${kiln.test(c)}, White_Space ${unicode.test(c)}`);
  }
});
