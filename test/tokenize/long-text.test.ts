// Time stays linear in the document length, and cutting long texts for the binding is exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTokenizer } from '../../tokenize/load.js';
import { splitAtWhitespace } from '../../tokenize/long-text.js';
import { shakespeareDocs } from './paths.js';
import { requireSharedData } from '../core/project-paths.js';

// CPU seconds, not wall time: on a loaded machine a preempted run would look quadratic.
function seconds(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
}

/** The fastest of three runs: noise only ever adds time. */
function best(f: () => void): number {
  return Math.min(seconds(f), seconds(f), seconds(f));
}

test('encoding pathological long pre-tokens stays ~linear', () => {
  const tok = loadTokenizer('gpt2');
  // One pre-token of 400k letters (heap merge), a 400k whitespace run, a 400k punctuation run.
  for (const unit of ['ab', ' ', '=+']) {
    const small = unit.repeat(50_000);
    const big = unit.repeat(200_000);
    tok.encodeSync!(small); // warm up
    const ts = best(() => tok.encodeSync!(small));
    const tb = best(() => tok.encodeSync!(big));
    // 4x the input: linear is ~4x, quadratic would be ~16x. Allow for noise on busy machines.
    assert.ok(tb < Math.max(ts * 12, 1), `${JSON.stringify(unit)}: 4x input took ${(tb / ts).toFixed(1)}x time (${tb.toFixed(3)} s)`);
  }
  // The heap path gives the same ids as merging chunk-free short pieces would: check against
  // the scan path on a piece just over the threshold.
  const word = 'abcdefghij'.repeat(12);
  const ids = tok.encodeSync!(word);
  assert.equal(tok.decodeSync!(ids), word);
});

test('regex pre-tokenizers (cl100k_base, o200k_base) stay ~linear on long whitespace and letter runs', () => {
  for (const name of ['cl100k_base', 'o200k_base']) {
    const tok = loadTokenizer(name);
    for (const unit of ['  \n', ' ', 'ab']) {
      const small = unit.repeat(40_000) + 'x';
      const big = unit.repeat(160_000) + 'x';
      tok.encodeSync!(small);
      const ts = best(() => tok.encodeSync!(small));
      const tb = best(() => tok.encodeSync!(big));
      // Quadratic would be ~16x; allow n log n, memo growth and a busy machine.
      assert.ok(tb < Math.max(ts * 12, 1), `${name} ${JSON.stringify(unit)}: 4x input took ${(tb / ts).toFixed(1)}x time (${tb.toFixed(3)} s)`);
    }
  }
});

test('heap merge equals scan merge (pieces just under and over the threshold)', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!file) return;
  const { Tokenizer } = await import('tokenizers');
  const hf = Tokenizer.fromFile(file);
  const tok = loadTokenizer('gpt2');
  for (const len of [90, 96, 97, 150, 1000]) {
    for (const base of ['abracadabra', 'xyzzy', 'Supercalifragilistic', '0123456789']) {
      const word = base.repeat(Math.ceil(len / base.length)).slice(0, len);
      const ref = (await hf.encode(word, null, { addSpecialTokens: false })).getIds();
      assert.deepEqual(Array.from(tok.encodeSync!(word)), ref, `${base} x ${len}`);
    }
  }
});

test('cutting at whitespace does not change BERT ids', async (t) => {
  const file = requireSharedData(t, 'tokenizers/bert-base-uncased/tokenizer.json');
  if (!file) return;
  const tok = loadTokenizer(file);
  const text = (await shakespeareDocs()).slice(0, 20).join('');
  const pieces = splitAtWhitespace(text, 500);
  assert.ok(pieces.length > 50);
  assert.equal(pieces.join(''), text);
  const whole = Array.from(await tok.encode(text));
  const parts = (await tok.encodeBatch(pieces)).flatMap((ids) => Array.from(ids));
  assert.deepEqual(parts, whole);
});
