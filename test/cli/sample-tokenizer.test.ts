// `kiln sample` decodes with the tokenizer the model was trained with: another one is refused
// by identity (it would print other text), the same one loaded from another file is accepted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { kilnBin, requireSharedData } from '../core/project-paths.js';

function kiln(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [kilnBin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });
}

function ok(r: { status: number | null; stderr: string }): void {
  assert.equal(r.status, 0, r.stderr);
}

test('kiln sample refuses a tokenizer other than the model\'s and accepts the same tokenizer from its tokenizer.json', async (t) => {
  const gpt2Json = requireSharedData(t, 'tokenizers/gpt2/tokenizer.json');
  if (!gpt2Json) return;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-sample-tokenizer-'));
  await fs.mkdir(path.join(work, 'docs'));
  const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Document ${i} says the quick brown fox jumps over ${i % 7} lazy dogs.` }));
  await fs.writeFile(path.join(work, 'docs', 'a.jsonl'), lines.join('\n') + '\n');
  await fs.writeFile(path.join(work, 'tiny.json'), JSON.stringify({ arch: 'gpt', dModel: 16, nLayer: 1, nHead: 2 }));
  // As a user chains it, from the work directory with relative paths.
  ok(kiln(work, ['tokenize', '--in', 'docs', '--out', 'tokens', '--tokenizer', 'gpt2', '--workers', '1']));
  ok(kiln(work, ['shard', '--in', 'tokens', '--out', 'shards', '--seq-len', '16', '--val-fraction', '0.1']));
  ok(kiln(work, ['train', '--data', 'shards', '--out', 'run', '--model', 'tiny.json', '--steps', '2', '--batch-size', '2', '--backend', 'wasm', '--eval-every', '2', '--checkpoint-every', '2']));

  const other = kiln(work, ['sample', 'run', '--tokenizer', 'cl100k_base', '--tokens', '4', '--backend', 'wasm']);
  assert.equal(other.status, 1, other.stderr);
  assert.match(other.stderr, /^kiln: KILN_CONFIG: --tokenizer cl100k_base \(cl100k_base, [0-9a-f]{12}\) is not the tokenizer .*run.* was trained with \(gpt2, [0-9a-f]{12}\)/m);
  assert.equal(other.stdout, '', 'nothing sampled');

  const prompt = 'Document 3 says';
  const recorded = kiln(work, ['sample', 'run', '--prompt', prompt, '--tokens', '4', '--temperature', '0', '--backend', 'wasm', '--json']);
  ok(recorded);
  const sameFromFile = kiln(work, ['sample', 'run', '--tokenizer', gpt2Json, '--prompt', prompt, '--tokens', '4', '--temperature', '0', '--backend', 'wasm', '--json']);
  ok(sameFromFile);
  const a = JSON.parse(recorded.stdout) as { ids: number[]; text: string };
  const b = JSON.parse(sameFromFile.stdout) as { ids: number[]; text: string };
  assert.ok(a.ids.length > 0);
  assert.deepEqual(b, a, 'the GPT-2 tokenizer.json is the recorded gpt2: same ids, same text');
});
