// A reader that globs a dataset's `*.parquet` (DuckDB, pyarrow, Spark) must never see rows that
// are not committed: no file the writer creates matches `*.parquet` before its commit record
// exists. Checked at every rename and file creation the writer makes (the old writer renamed
// the part into place first and wrote the commit record after it); on S3, at every PUT and copy
// that creates a `*.parquet` key (the old publish uploaded parts before their records).
import assert from 'node:assert/strict';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { S3Storage } from '../../core/storage/s3.js';
import { freshS3Url, needS3 } from './s3-test-bucket.js';
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

test('on s3://, no *.parquet key appears before a commit record names it (a staged stage publishing)', { timeout: 300_000 }, async (t) => {
  if (!(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-visible-s3-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 2, 300, 5);
  const out = await freshS3Url('out');
  const violations: string[] = [];
  let published = 0;
  /** Part names the commit records on `s` hold now. */
  const committedNames = async (s: S3Storage): Promise<Set<string>> => {
    const names = new Set<string>();
    for await (const o of s.list('_kiln/commits/')) names.add((JSON.parse(Buffer.from((await s.readAll(o.key))!).toString('utf8')) as { file: string }).file);
    return names;
  };
  const check = async (s: S3Storage, key: string): Promise<void> => {
    if (!/\.parquet$/.test(key)) return;
    published++;
    if (!(await committedNames(s)).has(key)) violations.push(`${key} became visible before its commit record`);
  };
  const { write, copy } = S3Storage.prototype;
  S3Storage.prototype.write = async function (this: S3Storage, key, body) {
    await check(this, key);
    return write.call(this, key, body);
  };
  S3Storage.prototype.copy = async function (this: S3Storage, from, to, options) {
    await check(this, to);
    return copy.call(this, from, to, options);
  };
  const stage = process.env.KILN_S3_STAGE;
  process.env.KILN_S3_STAGE = path.join(dir, 'stage');
  try {
    const s = await runStage(toyStage, { inputs, out, workers: 1, quiet: true });
    assert.equal(s.stopped, false);
  } finally {
    S3Storage.prototype.write = write;
    S3Storage.prototype.copy = copy;
    if (stage === undefined) delete process.env.KILN_S3_STAGE;
    else process.env.KILN_S3_STAGE = stage;
  }
  assert.ok(published >= 5, `parts were published (${published})`);
  assert.deepEqual(violations, []);
});
