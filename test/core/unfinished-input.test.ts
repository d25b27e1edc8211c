// A stage refuses to read a kiln dataset whose run has not finished (it would silently work on
// part of it), naming what is done and pending; --allow-partial reads what is committed. Plain
// folders of JSONL/Parquet are no kiln datasets and stay fine inputs.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { InputUnfinishedError } from '../../core/errors.js';
import { runStage } from '../../core/run-stage.js';
import { writeJsonlCorpus } from './corpus.js';
import { toyStage } from './toy-stage.js';

process.env.KILN_LOG = 'silent';

test('an unfinished kiln dataset is refused as input unless allowPartial', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-unfinished-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 3, 50, 2);
  const first = path.join(dir, 'first');
  // Task 1 of 3 only: the dataset exists, is committed in part, and has no SUCCESS.json.
  await runStage(toyStage, { inputs, out: first, tasks: 3, only: [1], workers: 1, quiet: true });
  const committedRows = (await readCommits(first)).reduce((s, c) => s + c.rows, 0);
  assert.ok(committedRows > 0);

  const err = await runStage(toyStage, { inputs: [first], out: path.join(dir, 'second'), workers: 1, quiet: true, config: { suffix: '!' } }).catch((e: unknown) => e);
  assert.ok(err instanceof InputUnfinishedError, `refused: ${String(err)}`);
  assert.equal(err.code, 'KILN_INPUT_UNFINISHED');
  assert.equal(err.path, first);
  assert.match(err.message, /1 of 3 tasks done \(1\), pending 0,2/);
  assert.match(err.message, /--allow-partial/);

  const partial = await runStage(toyStage, { inputs: [first], out: path.join(dir, 'second'), workers: 1, quiet: true, config: { suffix: '!' }, allowPartial: true });
  assert.equal(partial.stopped, false);
  assert.equal(partial.rows, committedRows, 'reads exactly the committed rows');

  // Finished, it is a fine input; so is the plain JSONL folder it came from.
  await runStage(toyStage, { inputs, out: first, tasks: 3, workers: 1, quiet: true });
  const full = await runStage(toyStage, { inputs: [first], out: path.join(dir, 'third'), workers: 1, quiet: true });
  assert.ok(full.rows > committedRows);
  assert.equal((await runStage(toyStage, { inputs: [path.join(dir, 'in')], out: path.join(dir, 'plain'), workers: 1, quiet: true })).stopped, false);
});
