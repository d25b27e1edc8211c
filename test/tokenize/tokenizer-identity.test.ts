// One tokenizer written three ways (builtin gpt2, GPT-2's tokenizer.json, r50k_base.tiktoken)
// has one identity: its datasets give the same ids, shard as one mixture, and know their EOS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { readShardIndexFile } from '../../shard/index.js';
import { readTokenizerInfo } from '../../tokenize/tokenizer-record.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';

const TEXTS = ['Hello world, the quick brown fox.', "It's 2026: naïve café — 東京!", '  spaces   and\ttabs\n\nnew lines '];

// As a user runs it: from the work directory, with relative paths.
function kiln(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [kilnBin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });
}

async function workDir(): Promise<string> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenizer-identity-'));
  await fs.mkdir(path.join(work, 'docs'));
  await fs.writeFile(path.join(work, 'docs', 'a.jsonl'), TEXTS.map((text, i) => JSON.stringify({ id: `d${i}`, text })).join('\n') + '\n');
  return work;
}

function tokenize(work: string, out: string, tokenizer: string): void {
  const r = kiln(work, ['tokenize', '--in', 'docs', '--out', out, '--tokenizer', tokenizer, '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
}

async function idsOf(dataset: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const file of await listInputFiles([dataset])) {
    for await (const row of readInputRows(file)) out[String(row.id)] = Array.from(row.tokens as ArrayLike<number>, Number);
  }
  return out;
}

test('gpt2, the GPT-2 tokenizer.json and r50k_base.tiktoken give the same ids and identity, and shard as one mixture', async (t) => {
  const json = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  const tiktoken = requireSharedData(t, 'tokenizers/gpt2/r50k_base.tiktoken');
  if (!json || !tiktoken) return;
  const work = await workDir();
  tokenize(work, 'builtin', 'gpt2');
  tokenize(work, 'hf', json);
  tokenize(work, 'tiktoken', tiktoken);

  const builtin = await idsOf(path.join(work, 'builtin'));
  assert.equal(Object.keys(builtin).length, TEXTS.length);
  assert.deepEqual(builtin.d0.slice(0, 2), [15496, 995], '"Hello world" in GPT-2 ids');
  assert.deepEqual(await idsOf(path.join(work, 'hf')), builtin);
  assert.deepEqual(await idsOf(path.join(work, 'tiktoken')), builtin);
  const infos = await Promise.all(['builtin', 'hf', 'tiktoken'].map((d) => readTokenizerInfo(path.join(work, d))));
  for (const info of infos) assert.deepEqual({ hash: info.hash, vocabSize: info.vocabSize, eosId: info.eosId }, { hash: infos[0].hash, vocabSize: 50257, eosId: 50256 });

  // No --eos, no --vocab-size: both come from the recorded tokenizer, .tiktoken dataset included.
  const mixed = kiln(work, ['shard', '--in', 'builtin', 'hf', 'tiktoken', '--out', 'shards', '--seq-len', '8', '--val-fraction', '0', '--json']);
  assert.equal(mixed.status, 0, mixed.stderr);
  const index = readShardIndexFile(path.join(work, 'shards'))!;
  assert.deepEqual({ eos: index.eos_id, vocab: index.vocab_size, hash: index.tokenizer?.hash }, { eos: 50256, vocab: 50257, hash: infos[0].hash });
  assert.equal(index.splits.train.documents, 3 * TEXTS.length);

  // A .tiktoken dataset alone: shard knows its EOS; --eos 50256 needs no --vocab-size.
  const alone = kiln(work, ['shard', '--in', 'tiktoken', '--out', 'alone', '--seq-len', '8', '--eos', '50256']);
  assert.equal(alone.status, 0, alone.stderr);
  assert.equal(readShardIndexFile(path.join(work, 'alone'))!.vocab_size, 50257);
});

test('shard refuses a mixture of two tokenizers naming both; --eos past the tokenizer vocab is bad usage', async () => {
  const work = await workDir();
  tokenize(work, 'gpt2', 'gpt2');
  tokenize(work, 'cl100k', 'cl100k_base');
  const mixed = kiln(work, ['shard', '--in', 'gpt2', 'cl100k', '--out', 'shards', '--seq-len', '8']);
  assert.equal(mixed.status, 1, mixed.stderr);
  assert.match(mixed.stderr, /^kiln: KILN_CONFIG: inputs were tokenized with different tokenizers: .*gpt2 with gpt2 .*cl100k with cl100k_base /m);
  await assert.rejects(fs.access(path.join(work, 'shards', 'index.json')));

  const eos = kiln(work, ['shard', '--in', 'gpt2', '--out', 'e', '--seq-len', '8', '--eos', '60000']);
  assert.equal(eos.status, 2, eos.stderr);
  assert.match(eos.stderr, /KILN_USAGE: EOS id 60000 is outside the vocabulary \(50257\)/);
  const ok = kiln(work, ['shard', '--in', 'gpt2', '--out', 'e', '--seq-len', '8', '--eos', '50256']);
  assert.equal(ok.status, 0, ok.stderr);
  const small = kiln(work, ['shard', '--in', 'gpt2', '--out', 'v', '--seq-len', '8', '--vocab-size', '50000']);
  assert.equal(small.status, 2, small.stderr);
  assert.match(small.stderr, /KILN_USAGE: --vocab-size 50000 is below the vocab size of the input's tokenizer gpt2 \(50257\)/);
});
