// A reader that globs a dataset's `*.parquet` (DuckDB, pyarrow, Spark) must never see rows that
// are not committed: no file the writer creates matches `*.parquet` before its commit record
// exists. Checked at every rename and file creation the writer makes (the old writer renamed
// the part into place first and wrote the commit record after it).
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { runStage } from '../../core/run-stage.js';
import { writeJsonlCorpus } from './corpus.js';
import { toyStage } from './toy-stage.js';

process.env.KILN_LOG = 'silent';

test('no *.parquet name appears in a dataset before its commit record', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-visible-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 2, 300, 5);
  const out = path.join(dir, 'out');
  const violations: string[] = [];
  let published = 0;
  const committedNames = async (): Promise<Set<string | null>> => new Set((await readCommits(out)).map((c) => c.file));
  const rename = fsp.rename;
  const open = fsp.open;
  fsp.rename = async (from, to) => {
    const name = path.basename(String(to));
    if (path.dirname(String(to)) === out && name.endsWith('.parquet')) {
      published++;
      if (!(await committedNames()).has(name)) violations.push(`${name} renamed into place before its commit`);
    }
    return rename(from, to);
  };
  fsp.open = (async (file: Parameters<typeof open>[0], flags?: Parameters<typeof open>[1], mode?: Parameters<typeof open>[2]) => {
    const name = path.basename(String(file));
    if (path.dirname(String(file)) === out && name.endsWith('.parquet') && !existsSync(String(file))) violations.push(`${name} created under a *.parquet name`);
    return open(file, flags, mode);
  }) as typeof open;
  try {
    // workers: 1 runs the task in this thread, where the wrappers see every call.
    const s = await runStage(toyStage, { inputs, out, workers: 1, quiet: true });
    assert.equal(s.stopped, false);
  } finally {
    fsp.rename = rename;
    fsp.open = open;
  }
  assert.ok(published >= 5, `parts were published (${published})`);
  assert.deepEqual(violations, []);
});
