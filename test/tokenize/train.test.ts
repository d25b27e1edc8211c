// kiln tokenizer train: the tokenizer.json loads in HF tokenizers and kiln with equal ids and
// round-trips text exactly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { countPieces, trainByteLevelBpe } from '../../tokenize/bpe-trainer.js';
import { loadTokenizer } from '../../tokenize/load.js';
import { kilnBin } from '../core/project-paths.js';
import { TRICKY_TEXTS } from './tricky-text.js';
import { shakespeareDocs } from './paths.js';

const run = promisify(execFile);

test('kiln tokenizer train → tokenizer.json that HF and kiln load identically', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-train-'));
  const docs = (await shakespeareDocs()).slice(0, 80);
  const corpus = docs.length > 0 ? docs : TRICKY_TEXTS.map((t) => t.repeat(30));
  await fs.mkdir(path.join(work, 'in'));
  await fs.writeFile(path.join(work, 'in', 'docs.jsonl'), corpus.map((text, i) => JSON.stringify({ id: `d${i}`, text })).join('\n') + '\n');
  const out = path.join(work, 'tokenizer.json');
  const { stdout } = await run(process.execPath, [kilnBin, 'tokenizer', 'train', '--in', path.join(work, 'in'), '--vocab-size', '700', '--out', out, '--special', '<|endoftext|>', '<|pad|>', '--json']);
  const summary = JSON.parse(stdout) as { vocabSize: number; merges: number };
  assert.equal(summary.vocabSize, 700);

  const kiln = loadTokenizer(out);
  assert.ok(kiln.encodeSync, 'a trained tokenizer runs on the fast engine');
  assert.equal(kiln.vocabSize, 700);
  assert.equal(kiln.eosId, 698);
  const hf = HfTokenizer.fromFile(out);
  assert.equal(hf.getVocabSize(true), 700);
  for (const text of [...TRICKY_TEXTS, ...corpus.slice(0, 10), 'a<|endoftext|>b<|pad|>']) {
    const ref = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
    const ids = await kiln.encode(text);
    assert.deepEqual(Array.from(ids), ref, JSON.stringify(text.slice(0, 60)));
    assert.equal(await kiln.decode(ids), text);
  }
  // Training compresses: the trained vocab needs fewer tokens than raw bytes.
  const sample = corpus.slice(0, 5).join('');
  assert.ok((await kiln.encode(sample)).length < Buffer.byteLength(sample) / 2);
  await fs.rm(work, { recursive: true, force: true });
});

test('trainer merges the most frequent pair first and is deterministic', () => {
  const counts = new Map<string, number>();
  countPieces('low low low low lower lowest newest newest widest', counts);
  const a = trainByteLevelBpe(counts, { vocabSize: 270, minFrequency: 1 });
  const b = trainByteLevelBpe(new Map(counts), { vocabSize: 270, minFrequency: 1 });
  assert.deepEqual(a.merges, b.merges);
  // ' l' + 'o' ... the first merge is a pair inside ' low' (7 occurrences), not in ' newest' (2).
  const first = a.merges[0].map((id) => Buffer.from(a.tokens[id]).toString('latin1')).join('');
  assert.ok([' l', 'lo', 'ow'].includes(first), `first merge ${JSON.stringify(first)}`);
  assert.equal(a.tokens.length, 270);
});
