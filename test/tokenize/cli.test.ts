// `kiln tokenize` through the CLI, and the tokenizer record that shard reads.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigChangedError, CorruptInputError } from '../../core/errors.js';
import { runStage } from '../../core/run-stage.js';
import { closeEncodePool, tokenizeStage } from '../../tokenize/stage.js';
import { readTokenizerInfo, recordTokenizer } from '../../tokenize/tokenizer-record.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';

const run = promisify(execFile);
process.env.KILN_LOG = 'silent';

test('kiln tokenize --json with a tokenizer.json path; bad flags exit 2', async (t) => {
  const file = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!file) return;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-cli-'));
  await fs.mkdir(path.join(work, 'in'));
  await fs.writeFile(path.join(work, 'in', 'a.jsonl'), ['Hello world', 'a<|endoftext|>b'].map((text, i) => JSON.stringify({ id: `d${i}`, text })).join('\n') + '\n');
  const out = path.join(work, 'out');
  const { stdout } = await run(process.execPath, [kilnBin, 'tokenize', '--in', path.join(work, 'in'), '--out', out, '--tokenizer', file, '--workers', '1', '--json'], {
    env: { ...process.env, KILN_LOG: 'silent' },
  });
  const summary = JSON.parse(stdout) as { stats: { tokens: number; documents: number }; extra: { tokenizer: { name: string; eosId: number } } };
  // "Hello world" = 2 tokens; the added token <|endoftext|> is matched as one id by HF rules.
  assert.equal(summary.stats.tokens, 5);
  assert.equal(summary.stats.documents, 2);
  assert.equal(summary.extra.tokenizer.name, 'gpt2');
  assert.equal(summary.extra.tokenizer.eosId, 50256);
  assert.equal((await readTokenizerInfo(out)).vocabSize, 50257);
  // The tokenizer file travels with the dataset.
  assert.equal(await fs.readFile(path.join(out, '_kiln', 'tokenize', 'tokenizer.json'), 'utf8'), await fs.readFile(file, 'utf8'));
  await assert.rejects(run(process.execPath, [kilnBin, 'tokenize', '--in', path.join(work, 'in'), '--out', out, '--workers', '0']), (err: { code?: number }) => err.code === 2);
  await fs.rm(work, { recursive: true, force: true });
});

test('an unknown tokenizer: usage error (exit 2) in the CLI, a clean rejection in the library', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-bad-'));
  await fs.mkdir(path.join(work, 'in'));
  await fs.writeFile(path.join(work, 'in', 'a.jsonl'), Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `d${i}`, text: 'x'.repeat(9000) })).join('\n') + '\n');
  const err = await run(process.execPath, [kilnBin, 'tokenize', '--in', path.join(work, 'in'), '--out', path.join(work, 'out'), '--tokenizer', 'no-such-tokenizer'], {
    env: { ...process.env, KILN_LOG: 'silent' },
  }).then(
    () => undefined,
    (e: { code?: number; stderr?: string }) => e,
  );
  assert.equal(err?.code, 2);
  assert.match(err?.stderr ?? '', /KILN_USAGE.*no-such-tokenizer/);
  // In the library the failure comes from the encode workers; pending batches must not crash the process.
  await assert.rejects(
    runStage(tokenizeStage, { inputs: [path.join(work, 'in')], out: path.join(work, 'lib'), quiet: true, config: { tokenizer: 'no-such-tokenizer', partBytes: 10000 } }),
    /unknown tokenizer/,
  );
  await closeEncodePool();
  await fs.rm(work, { recursive: true, force: true });
});

test('a resumed run refuses a tokenizer whose definition changed; non-token datasets are refused', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-record-'));
  await recordTokenizer(dir, { name: 'x', hash: 'a'.repeat(64), vocabSize: 10, eosId: 9 }, 'x');
  await recordTokenizer(dir, { name: 'x', hash: 'a'.repeat(64), vocabSize: 10, eosId: 9 }, 'x');
  await assert.rejects(recordTokenizer(dir, { name: 'x', hash: 'b'.repeat(64), vocabSize: 10 }, 'x'), ConfigChangedError);
  assert.deepEqual(await readTokenizerInfo(dir), { name: 'x', hash: 'a'.repeat(64), vocabSize: 10, eosId: 9 });
  await assert.rejects(readTokenizerInfo(os.tmpdir()), CorruptInputError);
  await fs.rm(dir, { recursive: true, force: true });
});
