// Users type paths relative to where they stand: `./a`, `a/`, `../x/a`, a symlink. Every stage
// must treat them as the dataset they name (the old code refused a relative kiln dataset as an
// input: "commit record … names a file outside the dataset").
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { writeJsonlCorpus } from '../core/corpus.js';
import { kiln } from './kiln-process.js';

test('dedupe, tokenize, shard, inspect and status take relative, ./, trailing-slash and symlinked paths', { timeout: 120_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-relpaths-'));
  await writeJsonlCorpus(path.join(root, 'data', 'in'), 2, 150, 3);
  const cwd = path.join(root, 'data');
  const ok = async (args: string[], where = cwd): Promise<string> => {
    const r = await kiln(args, where);
    assert.equal(r.code, 0, `kiln ${args.join(' ')} in ${where}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(['dedupe', '--in', './in', '--out', 'runs/cc-dedup/', '--exact-only', '--json']);
  // The deduped dataset read through four spellings of its path.
  await ok(['tokenize', '--in', 'runs/cc-dedup', '--out', './runs/tok', '--json']);
  await fs.mkdir(path.join(cwd, 'sub'));
  await ok(['tokenize', '--in', '../runs/cc-dedup/', '--out', '../runs/tok', '--json'], path.join(cwd, 'sub'));
  await fs.symlink(path.join(cwd, 'runs', 'tok'), path.join(cwd, 'tok-link'));
  const shard = JSON.parse(await ok(['shard', '--in', 'tok-link', '--out', 'runs/shards/', '--seq-len', '32', '--json'])) as { documents: { train: number; val: number } };
  const inspect = JSON.parse(await ok(['inspect', './runs/tok/', '--json'])) as { rows: number; columns: string[] };
  assert.ok(inspect.columns.includes('tokens'));
  const status = JSON.parse(await ok(['status', 'runs/tok/', '--json'])) as { complete: boolean; rows: number };
  assert.equal(status.complete, true);
  assert.equal(status.rows, inspect.rows);
  assert.equal(shard.documents.train + shard.documents.val, inspect.rows, 'shard read every tokenized document');
  // The second tokenize (other spelling, other cwd) found the first one's output complete: one dataset, not two.
  const linkStatus = JSON.parse(await ok(['status', 'tok-link', '--json'])) as { rows: number };
  assert.equal(linkStatus.rows, inspect.rows);
  const dedup = JSON.parse(await ok(['inspect', path.join(cwd, 'runs', 'cc-dedup'), '--json'])) as { rows: number };
  assert.equal(inspect.rows, dedup.rows);
});
