// Two runs of one stage on one output: exactly one writes, the other is refused at once with
// KILN_OUTPUT_LOCKED naming the writer's pid; the result equals one run's. Readers of the
// directory (DuckDB's `*.parquet` glob) see only committed parts, also right after a SIGKILL.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { readSuccess } from '../../core/dataset-manifest.js';
import { writeJsonlCorpus } from '../core/corpus.js';
import { kiln, startKiln } from './kiln-process.js';

async function duckRows(dir: string): Promise<{ rows: number; ids: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS ids FROM read_parquet('${dir}/*.parquet')`);
    const [row] = r.getRowObjects() as { rows: number; ids: number }[];
    return row;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const args = (out: string) => ['tokenize', '--in', 'in', '--out', out, '--workers', '1', '--part-mb', '0.25', '--json'];

async function corpus(): Promise<string> {
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-twice-'));
  // ~6 MB of text: a few seconds of tokenizing on one worker, in ~25 parts.
  await writeJsonlCorpus(path.join(cwd, 'in'), 3, 9000, 11);
  return cwd;
}

test('two tokenize runs on one --out: one writes, the other exits 1 with KILN_OUTPUT_LOCKED and its pid', { timeout: 120_000 }, async () => {
  const cwd = await corpus();
  const first = startKiln(args('out'), cwd);
  await sleep(300);
  const second = startKiln(args('out'), cwd);
  const [a, b] = await Promise.all([first.done, second.done]);
  const results = [
    { r: a, pid: first.child.pid!, other: second.child.pid! },
    { r: b, pid: second.child.pid!, other: first.child.pid! },
  ];
  const winners = results.filter((x) => x.r.code === 0);
  const losers = results.filter((x) => x.r.code !== 0);
  assert.equal(winners.length, 1, `exactly one run succeeds: ${a.code} ${a.stderr} / ${b.code} ${b.stderr}`);
  assert.equal(losers[0].r.code, 1);
  assert.match(losers[0].r.stderr, /^kiln: KILN_OUTPUT_LOCKED: .*being written by another run: pid (\d+)/m);
  assert.equal(Number(/pid (\d+)/.exec(losers[0].r.stderr)![1]), losers[0].other, 'names the writer\'s pid');

  const out = path.join(cwd, 'out');
  const success = await readSuccess(out);
  assert.ok(success);
  const seen = await duckRows(out);
  assert.equal(seen.rows, success.rows, 'DuckDB sees exactly the committed rows');
  assert.equal(seen.ids, seen.rows, 'no id twice');
  assert.equal(success.rows, 27000);
  // The same output from one run alone.
  const alone = await kiln(args('alone'), cwd);
  assert.equal(alone.code, 0, alone.stderr);
  assert.equal((await readSuccess(path.join(cwd, 'alone')))!.stats.tokens, success.stats.tokens);
});

test('after a SIGKILL mid-run, DuckDB over *.parquet sees exactly the committed rows; the rerun completes exactly once', { timeout: 120_000 }, async () => {
  const cwd = await corpus();
  const out = path.join(cwd, 'out');
  const run = startKiln(args('out'), cwd);
  // Kill once a few parts are committed, while more are being written.
  for (let i = 0; i < 600 && (await readCommits(out).catch(() => [])).length < 3; i++) await sleep(20);
  run.child.kill('SIGKILL');
  await run.done;
  const commits = await readCommits(out);
  assert.ok(commits.length >= 3 && !(await readSuccess(out)), 'killed mid-run');
  const committedFiles = new Set(commits.map((c) => c.file));
  const visible = (await fs.readdir(out)).filter((n) => n.endsWith('.parquet'));
  for (const name of visible) assert.ok(committedFiles.has(name), `${name} is visible but not committed`);
  const publishedRows = commits.filter((c) => c.file && visible.includes(c.file)).reduce((s, c) => s + c.rows, 0);
  assert.equal((await duckRows(out)).rows, publishedRows);
  // At most the one part between its commit and its rename is not yet published.
  assert.ok(commits.filter((c) => c.file && !visible.includes(c.file)).length <= 1);

  const again = await kiln(args('out'), cwd);
  assert.equal(again.code, 0, again.stderr);
  const seen = await duckRows(out);
  assert.equal(seen.rows, 27000);
  assert.equal(seen.ids, 27000);
});
