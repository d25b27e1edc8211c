// tokenizer.json files (GPT-2, Llama-2 with byte fallback and added tokens, BERT without a model
// type) against ids published by others: llama.cpp's tokenizer test vectors (fixtures/llama.cpp,
// sources in its README) for all three, and for GPT-2, which runs on kiln's own BPE engine, also
// HF tokenizers' Rust binding. Llama-2 and BERT run on that binding inside kiln, so comparing them
// with it would compare the binding with itself; the published vectors are the check there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { loadTokenizer } from '../../tokenize/load.js';
import { projectRoot, requireSharedData } from '../core/project-paths.js';
import { TRICKY_TEXTS } from './tricky-text.js';
import { shakespeareDocs } from './paths.js';

const VECTORS = path.join(projectRoot, 'test/tokenize/fixtures/llama.cpp');

/** The texts of a llama.cpp `.inp` file: each text is followed by a `__ggml_vocab_test__` line. */
function readInp(file: string): string[] {
  const parts = readFileSync(path.join(VECTORS, file), 'utf8').split('\n__ggml_vocab_test__\n');
  assert.equal(parts.pop(), '', `${file} ends with a separator line`);
  return parts;
}

/** The ids of a llama.cpp `.out` file: one line per text, ` id` per token. */
function readOut(file: string): number[][] {
  const lines = readFileSync(path.join(VECTORS, file), 'utf8').split('\n');
  assert.equal(lines.pop(), '', `${file} ends with a newline`);
  return lines.map((l) => l.split(' ').filter((s) => s !== '').map(Number));
}

// [kiln tokenizer (a built-in name or a ../shared/data path), texts, published ids]. The vectors
// were written with `add_special_tokens=False` (no BOS, no [CLS]/[SEP]), and kiln's encode adds
// no special tokens either: like for like.
const VECTOR_CASES: [string, string, string][] = [
  ['tokenizers/gpt2/tokenizer.json', 'tests-492f75ce.inp', 'ggml-vocab-gpt-2.gguf.out'],
  ['tokenizers/bert-base-uncased/tokenizer.json', 'tests-492f75ce.inp', 'ggml-vocab-bert-bge.gguf.out'],
  ['tokenizers/llama2-dolma-test/tokenizer.json', 'tests-3a461dbf.inp', 'ggml-vocab-llama-spm.gguf.out'],
];

async function assertVectors(tokenizer: string, inp: string, out: string): Promise<void> {
  const texts = readInp(inp);
  const expected = readOut(out);
  assert.equal(texts.length, expected.length, `${inp} and ${out} pair up`);
  const tok = loadTokenizer(tokenizer);
  const actual = await tok.encodeBatch(texts);
  texts.forEach((text, i) => assert.deepEqual(Array.from(actual[i]), expected[i], `${out} line ${i + 1}: ${JSON.stringify(text.slice(0, 60))}`));
}

for (const [relative, inp, out] of VECTOR_CASES) {
  test(`${relative} matches llama.cpp's published ids (${out})`, async (t) => {
    const file = requireSharedData(t, relative);
    if (!file) return;
    await assertVectors(file, inp, out);
  });
}

test('built-in gpt2 matches llama.cpp published ids (ggml-vocab-gpt-2.gguf.out)', async () => {
  await assertVectors('gpt2', 'tests-492f75ce.inp', 'ggml-vocab-gpt-2.gguf.out');
});

const CASES: [string, string, number, number | undefined, [string, number[]]][] = [
  ['gpt2', 'tokenizers/gpt2/tokenizer.json', 50257, 50256, ['Hello world', [15496, 995]]],
  ['llama2-dolma-test', 'tokenizers/llama2-dolma-test/tokenizer.json', 32003, 2, ['Hello world', [15043, 3186]]],
  ['bert-base-uncased', 'tokenizers/bert-base-uncased/tokenizer.json', 30522, 102, ['Hello world', [7592, 2088]]],
];

for (const [name, relative, vocabSize, eosId, [sample, sampleIds]] of CASES) {
  test(`${name} tokenizer.json: name, vocabulary size, end-of-text id and published ids`, async (t) => {
    const file = requireSharedData(t, relative);
    if (!file) return;
    const tok = loadTokenizer(file);
    assert.equal(tok.name, name);
    assert.equal(tok.vocabSize, vocabSize);
    assert.equal(tok.eosId, eosId);
    assert.match(tok.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(Array.from(await tok.encode(sample)), sampleIds);
  });
}

test('GPT-2 tokenizer.json on kiln BPE matches HF tokenizers on tricky text and tiny-shakespeare', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!file) return;
  const tok = loadTokenizer(file);
  assert.ok(tok.encodeSync, 'GPT-2 json should run on kiln BPE, else this compares the binding with itself');
  const hf = HfTokenizer.fromFile(file);
  const texts = [...TRICKY_TEXTS, ...(await shakespeareDocs()).slice(0, 30)];
  const actual = await tok.encodeBatch(texts);
  for (const [i, text] of texts.entries()) {
    const expected = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
    assert.deepEqual(Array.from(actual[i]), expected, JSON.stringify(text.slice(0, 60)));
  }
});

test('GPT-2 tokenizer.json runs on kiln BPE (sync) and matches <|endoftext|> as its added token', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!file) return;
  const tok = loadTokenizer(file);
  assert.ok(tok.encodeSync, 'GPT-2 json should use the fast engine');
  assert.deepEqual(Array.from(tok.encodeSync!('a<|endoftext|>b')), [64, 50256, 65]);
  assert.equal(await tok.decode(await tok.encode('x<|endoftext|>y')), 'x<|endoftext|>y');
});

test('Llama-2 added tokens are single ids', async (t) => {
  const file = requireSharedData(t, 'tokenizers/llama2-dolma-test/tokenizer.json');
  if (!file) return;
  const ids = Array.from(await loadTokenizer(file).encode('|||EMAIL_ADDRESS|||'));
  assert.ok(ids.includes(32000), `got ${ids}`);
});
