import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { kilnBin } from '../core/project-paths.js';

test('tokenizer train says why the vocabulary is smaller than asked, on stderr and in --json', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'kiln-toktrain-'));
  writeFileSync(path.join(cwd, 'docs.jsonl'), '{"id":"a","text":"the cat sat on the mat"}\n{"id":"b","text":"the dog sat on the log"}\n');
  const r = spawnSync(process.execPath, [kilnBin, 'tokenizer', 'train', '--in', 'docs.jsonl', '--vocab-size', '8000', '--out', 'tok.json', '--json'], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { vocabSize: number; requestedVocabSize: number; shortfall?: string };
  assert.ok(summary.vocabSize < 8000);
  assert.equal(summary.requestedVocabSize, 8000);
  assert.match(summary.shortfall ?? '', /too small.*--min-frequency 2/);
  assert.match(r.stderr, /^kiln: vocabulary is \d+, not 8000: the corpus is too small/m);
});
