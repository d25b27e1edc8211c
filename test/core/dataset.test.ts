import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readCommits } from '../../core/commit-record.js';
import { datasetStatus } from '../../core/dataset-status.js';
import { CorruptInputError, CorruptPartError, ForeignFileError, ConfigChangedError } from '../../core/errors.js';
import { listInputFiles, readDocuments, readInputRows } from '../../core/input-files.js';
import { readSuccess } from '../../core/dataset-manifest.js';
import { runStage } from '../../core/run-stage.js';
import { writeJsonlCorpus } from './corpus.js';
import { kilnBin, projectRoot } from './project-paths.js';
import { toyStage } from './toy-stage.js';

const run = promisify(execFile);
process.env.KILN_LOG = 'silent';

async function tmp(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'kiln-core-'));
}

async function expected(inputs: string[]): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const d of readDocuments(inputs)) if (!d.text.startsWith('DROP')) m.set(d.id, d.text.toUpperCase());
  return m;
}

test('a map stage writes every kept input record once, with stats, and skips when complete', async () => {
  const dir = await tmp();
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 3, 300);
  const out = path.join(dir, 'out');
  const summary = await runStage(toyStage, { inputs, out, workers: 2, quiet: true });
  const want = await expected(inputs);
  const got = new Map<string, string>();
  for await (const d of readDocuments([out])) {
    assert.ok(!got.has(d.id), `duplicate ${d.id}`);
    got.set(d.id, d.text);
  }
  assert.deepEqual([...got.entries()].sort(), [...want.entries()].sort());
  assert.equal(summary.rows, want.size);
  assert.equal(summary.stats.kept, want.size);
  assert.equal(summary.stats.dropped_marker, 900 - want.size);
  const success = await readSuccess(out);
  assert.equal(success?.rows, want.size);
  // Many small commits (chunk of 40 rows) each carry a cursor.
  assert.ok((await readCommits(out)).length > 10);
  const again = await runStage(toyStage, { inputs, out, workers: 2, quiet: true });
  assert.equal(again.skipped, true);
  const status = await datasetStatus(out);
  assert.equal(status.done.length, status.tasks);
  assert.equal(status.complete, true);
});

test('a changed config on an existing output is refused unless overwrite', async () => {
  const dir = await tmp();
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 1, 50);
  const out = path.join(dir, 'out');
  await runStage(toyStage, { inputs, out, quiet: true });
  await assert.rejects(runStage(toyStage, { inputs, out, config: { suffix: '!' }, quiet: true }), (e: unknown) => e instanceof ConfigChangedError && e.message.includes('--overwrite'));
  const s = await runStage(toyStage, { inputs, out, config: { suffix: '!' }, overwrite: true, quiet: true });
  assert.equal(s.skipped, false);
  for await (const d of readDocuments([out])) assert.ok(d.text.endsWith('!'));
});

test('a bad config names the key', async () => {
  const dir = await tmp();
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 1, 5);
  await assert.rejects(runStage(toyStage, { inputs, out: path.join(dir, 'o'), config: { slowMs: 'fast' }, quiet: true }), /key `slowMs`/);
});

test('DuckDB reads the parts: same rows, same id/text values', async () => {
  const dir = await tmp();
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 2, 200);
  const out = path.join(dir, 'out');
  await runStage(toyStage, { inputs, out, workers: 1, quiet: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(`SELECT id, text, url, chars FROM read_parquet('${out}/part-*.parquet') ORDER BY id`);
  const rows = reader.getRowObjects();
  const want = await expected(inputs);
  assert.equal(rows.length, want.size);
  for (const r of rows) assert.equal(r.text, want.get(String(r.id)));
  assert.ok(rows.some((r) => r.url === null) && rows.some((r) => typeof r.url === 'string'));
  conn.closeSync();
  db.closeSync();
});

test('plain Parquet written by DuckDB and JSONL files are read as inputs', async () => {
  const dir = await tmp();
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const pq = path.join(dir, 'users.parquet');
  await conn.run(`COPY (SELECT 'u' || i::VARCHAR AS id, 'text number ' || i::VARCHAR AS text, i AS n FROM range(1000) t(i)) TO '${pq}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100)`);
  conn.closeSync();
  db.closeSync();
  const files = await listInputFiles([path.join(dir, '*.parquet')]);
  assert.equal(files.length, 1);
  const rows = [];
  for await (const r of readInputRows(files[0], { fromRow: 950 })) rows.push(r);
  assert.equal(rows.length, 50);
  assert.equal(rows[0].id, 'u950');
  assert.equal(rows[0].n, 950);
});

test('corrupt and foreign files give one clear error naming the file', async () => {
  const dir = await tmp();
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 1, 100);
  const out = path.join(dir, 'out');
  await runStage(toyStage, { inputs, out, quiet: true });
  // A foreign file inside a kiln dataset.
  await fs.writeFile(path.join(out, 'notes.txt'), 'hello');
  await assert.rejects(listInputFiles([out]), (e: unknown) => e instanceof ForeignFileError && e.path!.endsWith('notes.txt'));
  await fs.rm(path.join(out, 'notes.txt'));
  // A truncated committed part.
  const part = (await readCommits(out)).find((c) => c.file)!.file!;
  const full = path.join(out, part);
  const bytes = await fs.readFile(full);
  await fs.writeFile(full, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(listInputFiles([out]), (e: unknown) => e instanceof CorruptPartError && e.path === full);
  await fs.writeFile(full, bytes);
  // Garbage named .parquet in a plain directory.
  const plain = path.join(dir, 'plain');
  await fs.mkdir(plain);
  await fs.writeFile(path.join(plain, 'bad.parquet'), 'not parquet at all');
  const files = await listInputFiles([plain]);
  await assert.rejects(async () => { for await (const _ of readInputRows(files[0])) void _; }, (e: unknown) => e instanceof CorruptInputError && e.message.includes('bad.parquet'));
  // A broken JSON line names file and line.
  await fs.writeFile(path.join(plain, 'bad.parquet'), '');
  await fs.rm(path.join(plain, 'bad.parquet'));
  await fs.writeFile(path.join(plain, 'b.jsonl'), '{"id":"a","text":"x"}\n{oops\n');
  await assert.rejects(async () => { for await (const _ of readDocuments([plain])) void _; }, (e: unknown) => e instanceof CorruptInputError && /b\.jsonl:2/.test(e.message));
  // And through the CLI: one line, exit 1.
  await fs.writeFile(path.join(out, 'stray.csv'), 'a,b');
  const r = await run('node', [kilnBin, 'inspect', out]).catch((e: { code: number; stderr: string }) => e);
  assert.equal((r as { code: number }).code, 1);
  const lines = (r as { stderr: string }).stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^kiln: KILN_FOREIGN_FILE: .*stray\.csv/);
});

test('the CLI prints help, and the package imports itself as kiln', async () => {
  const help = await run('node', [kilnBin, '--help']);
  assert.match(help.stdout, /Usage: kiln/);
  assert.match(help.stdout, /inspect/);
  const bad = await run('node', [kilnBin, 'no-such-command']).catch((e: { code: number }) => e);
  assert.equal((bad as { code: number }).code, 2);
  const self = await run('node', ['--input-type=module', '-e', "import { runStage, defineStage } from 'kiln'; console.log(typeof runStage, typeof defineStage)"], { cwd: projectRoot });
  assert.equal(self.stdout.trim(), 'function function');
});

test('a side (excluded) writer commits in lockstep: a commit the main writer never made is rolled back on reopen', async () => {
  const { TaskWriter } = await import('../../core/task-writer.js');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-side-'));
  const main = path.join(dir, 'main');
  const side = path.join(dir, 'main', 'excluded');
  const cols = [{ name: 'id', type: 'string' as const }];
  const open = async () => {
    const m = await TaskWriter.open(main, 0, cols);
    const s = await TaskWriter.open(side, 0, cols, {}, { rollbackFrom: m.chunksCommitted });
    m.attachSide(s);
    return { m, s };
  };
  let { m, s } = await open();
  m.push({ id: 'kept-1' });
  s.push({ id: 'dropped-1' });
  await m.commit({ at: 1 });
  // A kill between the side's commit and the main's: the side is one chunk ahead.
  s.push({ id: 'dropped-2' });
  await s.commit({ at: 2 });
  assert.equal((await readCommits(side, 0)).length, 2);
  ({ m, s } = await open());
  assert.equal((await readCommits(side, 0)).length, 1, 'the unmatched side commit is undone');
  assert.deepEqual(s.cursor, m.cursor);
  assert.deepEqual((await fs.readdir(side)).filter((n) => n.endsWith('.parquet')), ['part-00000-0000.parquet'], 'and its part removed');
  // A side dataset behind its main one lost commits: refused, naming it.
  await m.commit({ at: 3 });
  await fs.rm(path.join(side, '_kiln', 'commits', '00000-0001.json'));
  await assert.rejects(open(), (e: Error) => e instanceof CorruptPartError && e.message.includes('lost commits'));
  await fs.rm(dir, { recursive: true, force: true });
});
