// The hand-written GPT-2 scanner splits exactly like the GPT-2 regex as published, not as kiln
// spells it: the reference pattern is copied from tiktoken (openai/tiktoken @
// 1f098ca4d7d84025e94f2e84795fad713f8e6f3f : tiktoken_ext/openai_public.py, `r50k_base` pat_str;
// the same text as openai/gpt-2 @ 1b8a0187d70a2dbe4de8322598496d476e069f4c : src/encoder.py less
// its `<|endoftext|>` branch).
// cl100k_base and o200k_base: kiln's regex splitters against the patterns as published, compiled
// by published-pattern.ts (possessive quantifiers and `(?i:…)` translated, nothing re-spelled).
// The current text of tiktoken_ext/openai_public.py (cl100k with `\s++$`, o200k) is taken from a
// verbatim dump of the openai/tiktoken tree: steipete/VibeMeter @
// 6d3a5b5f8e2d13b5bc7fe788a0c71a2caa6f60e3, docs/tiktoken.md (the openai/tiktoken versions in the
// reference index stop before o200k). o200k_base is also in openai/harmony @
// 55dc32282053fbd63c8a2688da7ad4482199b008, src/tiktoken_ext/public_encodings.rs, the same text.
// Earlier published cl100k texts differ from the current one, so they are checked too:
// - as first published: openai/tiktoken @ 1f098ca4d7d84025e94f2e84795fad713f8e6f3f;
// - possessives, no `\s++$`: openai/tiktoken @ 6cc3a46c8dd43a913612b9c839a51936a2c6bd41.
// tiktoken called the rewrite equivalent, but moving `\s++$` ahead of `\s*[\r\n]` changes one
// case: whitespace holding a line break at the very end of a text ("a\n\t" → "a", "\n\t" now,
// "a", "\n", "\t" before). kiln follows the current text; the older ones must agree elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { gpt2PieceEnd } from '../../tokenize/gpt2-pretokenizer.js';
import { CL100K_PATTERN, O200K_PATTERN, regexSplitter, withUnicodeWhiteSpace } from '../../tokenize/regex-pretokenizer.js';
import { publishedPatternRegExp } from './published-pattern.js';
import { TRICKY_TEXTS } from './tricky-text.js';

const PUBLISHED_GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

// tiktoken runs the pattern with Rust's regex engine, whose `\s` is `\p{White_Space}`; JavaScript's
// `\s` is another set (it has U+FEFF, lacks U+0085), so the same property is spelled out here.
const regex = new RegExp(PUBLISHED_GPT2_PATTERN.replaceAll(String.raw`\s`, String.raw`\p{White_Space}`).replaceAll(String.raw`\S`, String.raw`\P{White_Space}`), 'gu');

const PUBLISHED_CL100K = String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`;
const PUBLISHED_CL100K_FIRST = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const PUBLISHED_CL100K_POSSESSIVE = String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`;
const PUBLISHED_O200K = [
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join('|');

function scan(text: string, pieceEnd: (text: string, start: number) => number = gpt2PieceEnd): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const end = pieceEnd(text, i);
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

// Letters of every case class and marks (o200k splits on them), contractions in both cases,
// digit runs, `/` and line breaks (o200k's punctuation branch), every kind of space.
const REGEX_ALPHABET = [..."aZéÉǅ中ß\u0301\u0308ʰ1٣½'sSdDtTmMlLrRvVeE .,!-_/\t\n\r\u000b\u00a0\u0085\u2028\u3000\ufeff\u200b🎉👍🏽𝐀"];

const byPublished = (pattern: string) => {
  const reference = publishedPatternRegExp(pattern);
  return (text: string): string[] => [...text.matchAll(reference)].map((m) => m[0]);
};
const randomText = fc.array(fc.constantFrom(...REGEX_ALPHABET), { maxLength: 40 }).map((a) => a.join(''));

for (const [name, published, kilnPattern] of [
  ['cl100k_base', PUBLISHED_CL100K, CL100K_PATTERN],
  ['o200k_base', PUBLISHED_O200K, O200K_PATTERN],
] as const) {
  const reference = byPublished(published);
  const kiln = regexSplitter(kilnPattern);
  test(`${name}: kiln's splitter equals the published pattern on tricky text`, () => {
    for (const t of TRICKY_TEXTS) assert.deepEqual(scan(t, kiln), reference(t), JSON.stringify(t));
  });
  test(`${name}: kiln's splitter equals the published pattern on random strings (property)`, () => {
    fc.assert(fc.property(randomText, (t) => assert.deepEqual(scan(t, kiln), reference(t))), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (t) => assert.deepEqual(scan(t, kiln), reference(t))), { numRuns: 1000 });
  });
}

for (const [name, published] of [
  ['first published', PUBLISHED_CL100K_FIRST],
  ['possessive, before `\\s++$`', PUBLISHED_CL100K_POSSESSIVE],
] as const) {
  const reference = byPublished(published);
  const kiln = regexSplitter(CL100K_PATTERN);
  test(`cl100k_base ${name}: kiln splits alike except whitespace with a line break ending the text`, () => {
    // A text that does not end in whitespace: every split is the same.
    fc.assert(fc.property(randomText, (t) => assert.deepEqual(scan(`${t}x`, kiln), reference(`${t}x`))), { numRuns: 3000 });
    for (const t of TRICKY_TEXTS) assert.deepEqual(scan(`${t}.`, kiln), reference(`${t}.`), JSON.stringify(t));
    // The one difference, as the current text defines it.
    assert.deepEqual(reference('a\n\t'), ['a', '\n', '\t']);
    assert.deepEqual(scan('a\n\t', kiln), ['a', '\n\t']);
  });
}

test('the published-pattern compiler keeps possessive and case-insensitive meaning', () => {
  // Possessive: `a?+a` can never match "a" (the `?+` keeps the a); greedy `a?a` does.
  assert.equal(publishedPatternRegExp('^a?+a$').test('a'), false);
  assert.equal(publishedPatternRegExp('^a?a$').test('a'), true);
  assert.deepEqual([...'x++'.matchAll(publishedPatternRegExp(String.raw`[^\s]++\+`))].map((m) => m[0]), []);
  assert.deepEqual([..."'S 'Ll 're".matchAll(publishedPatternRegExp(`'(?i:[sdmt]|ll|ve|re)`))].map((m) => m[0]), ["'S", "'Ll", "'re"]);
});
