// tokenizer.json files (GPT-2, Llama-2 with byte fallback and added tokens, BERT without a model
// type) against HF tokenizers' Rust binding, with special tokens not added, plus published ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { loadTokenizer } from '../../tokenize/load.js';
import { TRICKY_TEXTS } from './tricky-text.js';
import { shakespeareDocs, sharedFile } from './paths.js';

async function reference(file: string, texts: string[]): Promise<number[][]> {
  let hf: HfTokenizer;
  try {
    hf = HfTokenizer.fromFile(file);
  } catch {
    // bert-base-uncased.json has no model.type; the binding needs it spelled out.
    const json = JSON.parse(readFileSync(file, 'utf8')) as { model: Record<string, unknown> };
    hf = HfTokenizer.fromString(JSON.stringify({ ...json, model: { type: 'WordPiece', ...json.model } }));
  }
  const out: number[][] = [];
  for (const t of texts) out.push((await hf.encode(t, null, { addSpecialTokens: false })).getIds());
  return out;
}

const CASES: [string, string, number, number | undefined, [string, number[]]][] = [
  ['gpt2', 'tokenizers/gpt2/tokenizer.json', 50257, 50256, ['Hello world', [15496, 995]]],
  ['llama2-dolma-test', 'tokenizers/llama2-dolma-test/tokenizer.json', 32003, 2, ['Hello world', [15043, 3186]]],
  ['bert-base-uncased', 'tokenizers/bert-base-uncased/tokenizer.json', 30522, 102, ['Hello world', [7592, 2088]]],
];

for (const [name, relative, vocabSize, eosId, [sample, sampleIds]] of CASES) {
  test(`${name} tokenizer.json matches HF tokenizers and published ids`, async (t) => {
    const file = sharedFile(relative);
    if (!file) return t.skip('../shared/data absent');
    const tok = loadTokenizer(file);
    assert.equal(tok.name, name);
    assert.equal(tok.vocabSize, vocabSize);
    assert.equal(tok.eosId, eosId);
    assert.match(tok.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(Array.from(await tok.encode(sample)), sampleIds);
    const texts = [...TRICKY_TEXTS, 'mail |||EMAIL_ADDRESS||| call |||PHONE_NUMBER||| at |||IP_ADDRESS|||', ...(await shakespeareDocs()).slice(0, 30)];
    const expected = await reference(file, texts);
    const actual = await tok.encodeBatch(texts);
    texts.forEach((text, i) => assert.deepEqual(Array.from(actual[i]), expected[i], `${name}: ${JSON.stringify(text.slice(0, 60))}`));
  });
}

test('GPT-2 tokenizer.json runs on kiln BPE (sync) and matches <|endoftext|> as its added token', async (t) => {
  const file = sharedFile('tokenizers/gpt2/tokenizer.json');
  if (!file) return t.skip('../shared/data absent');
  const tok = loadTokenizer(file);
  assert.ok(tok.encodeSync, 'GPT-2 json should use the fast engine');
  assert.deepEqual(Array.from(tok.encodeSync!('a<|endoftext|>b')), [64, 50256, 65]);
  assert.equal(await tok.decode(await tok.encode('x<|endoftext|>y')), 'x<|endoftext|>y');
});

test('Llama-2 added tokens are single ids', async (t) => {
  const file = sharedFile('tokenizers/llama2-dolma-test/tokenizer.json');
  if (!file) return t.skip('../shared/data absent');
  const ids = Array.from(await loadTokenizer(file).encode('|||EMAIL_ADDRESS|||'));
  assert.ok(ids.includes(32000), `got ${ids}`);
});
