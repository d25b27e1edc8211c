// The hand-written GPT-2 scanner splits exactly like the GPT-2 regex (with Unicode White_Space).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { gpt2PieceEnd } from '../../tokenize/gpt2-pretokenizer.js';
import { GPT2_PATTERN, withUnicodeWhiteSpace } from '../../tokenize/regex-pretokenizer.js';
import { TRICKY_TEXTS } from './tricky-text.js';

const regex = new RegExp(withUnicodeWhiteSpace(GPT2_PATTERN), 'gu');

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
