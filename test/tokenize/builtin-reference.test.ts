// Built-in tokenizers against independent references: gpt-tokenizer (its own JS BPE), HF
// tokenizers' Rust binding on GPT-2's tokenizer.json, and published ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode as gptEncodeR50k } from 'gpt-tokenizer/encoding/r50k_base';
import { encode as gptEncodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as gptEncodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { loadTokenizer } from '../../tokenize/load.js';
import { hasWhiteSpaceDisagreement, TRICKY_TEXTS } from './tricky-text.js';
import { shakespeareDocs } from './paths.js';
import { requireSharedData } from '../core/project-paths.js';

// gpt-tokenizer must never treat `<|endoftext|>` in text as special: compare ordinary encodings.
const ordinary = { disallowedSpecial: new Set<string>() };

function sameIds(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.deepEqual(Array.from(actual), Array.from(expected), what);
}

test('gpt2 matches gpt-tokenizer r50k_base on tricky text and tiny-shakespeare', async () => {
  const tok = loadTokenizer('gpt2');
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.eosId, 50256);
  const docs = [...TRICKY_TEXTS.filter((t) => !hasWhiteSpaceDisagreement(t)), ...(await shakespeareDocs())];
  for (const d of docs) sameIds(await tok.encode(d), gptEncodeR50k(d, ordinary), JSON.stringify(d.slice(0, 60)));
});

test('published GPT-2 ids', async () => {
  const tok = loadTokenizer('gpt2');
  sameIds(await tok.encode('Hello world'), [15496, 995], 'Hello world');
  sameIds(await tok.encode("I'm"), [40, 1101], "I'm");
  // <|endoftext|> inside text is ordinary text, never the special id.
  assert.ok(!(await tok.encode('a<|endoftext|>b')).includes(50256));
});

test('cl100k_base and o200k_base match gpt-tokenizer on tricky text', async () => {
  const cases: [string, (s: string, o: typeof ordinary) => number[], number, number][] = [
    ['cl100k_base', gptEncodeCl100k, 100277, 100257],
    ['o200k_base', gptEncodeO200k, 200019, 199999],
  ];
  const shakespeare = (await shakespeareDocs()).slice(0, 40);
  for (const [name, reference, vocab, eos] of cases) {
    const tok = loadTokenizer(name);
    assert.equal(tok.vocabSize, vocab, name);
    assert.equal(tok.eosId, eos, name);
    for (const d of [...TRICKY_TEXTS.filter((t) => !hasWhiteSpaceDisagreement(t)), ...shakespeare]) {
      sameIds(await tok.encode(d), reference(d, ordinary), `${name} ${JSON.stringify(d.slice(0, 60))}`);
    }
  }
  sameIds(await loadTokenizer('cl100k_base').encode('hello world'), [15339, 1917], 'published cl100k ids');
});

test('gpt2 matches HF tokenizers (Rust) on GPT-2 tokenizer.json, U+0085 / U+FEFF included', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!file) return;
  const hf = HfTokenizer.fromFile(file);
  const tok = loadTokenizer('gpt2');
  const docs = [...TRICKY_TEXTS.filter((d) => !d.includes('<|endoftext|>')), ...(await shakespeareDocs()).slice(0, 60)];
  for (const d of docs) {
    const ref = (await hf.encode(d, null, { addSpecialTokens: false })).getIds();
    sameIds(await tok.encode(d), ref, JSON.stringify(d.slice(0, 60)));
  }
});

test('r50k_base.tiktoken ranks file gives the same ids as the built-in', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/r50k_base.tiktoken');
  if (!file) return;
  const fromFile = loadTokenizer(file);
  const builtin = loadTokenizer('gpt2');
  for (const d of TRICKY_TEXTS) sameIds(await fromFile.encode(d), await builtin.encode(d), JSON.stringify(d.slice(0, 60)));
});
