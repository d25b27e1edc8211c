// What a README command left behind, checked the way a user would look at it: a dataset has rows,
// DuckDB reads its parts and counts what kiln says, and `kiln status` calls it done; shards are
// Arrow files holding what index.json says; a training run has a checkpoint and a report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';

/** Runs `kiln ARGS` in `cwd` (relative paths as the README gives them) and returns its JSON stdout. */
export type KilnJson = (args: string[]) => unknown;

/** Makes a KilnJson for a shim on PATH in `env`. */
export function kilnJson(cwd: string, env: NodeJS.ProcessEnv): KilnJson {
  return (args) => {
    const r = spawnSync('kiln', [...args, '--json'], { cwd, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `kiln ${args.join(' ')} --json exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.stdout) as unknown;
  };
}

/** Checks one output path (relative to `cwd`, as the README names it); returns what it found. */
export async function checkOutput(cwd: string, out: string, kiln: KilnJson): Promise<string> {
  const abs = path.resolve(cwd, out);
  assert.ok(existsSync(abs), `${out} was not written`);
  if ((await fs.stat(abs)).isFile()) return abs.endsWith('.html') ? checkCard(abs, out) : checkTokenizer(abs, out);
  if (existsSync(path.join(abs, 'index.json'))) return checkShards(abs, out);
  if (existsSync(path.join(abs, '_kiln/SUCCESS.json'))) return checkDataset(cwd, out, kiln);
  if (existsSync(path.join(abs, 'checkpoints'))) return checkTrainRun(abs, out);
  assert.fail(`${out}: neither a dataset (_kiln/SUCCESS.json), shards (index.json), a training run (checkpoints/) nor a file`);
}

/** A Parquet dataset: rows > 0, DuckDB counts the same rows, `kiln status` done. */
async function checkDataset(cwd: string, out: string, kiln: KilnJson): Promise<string> {
  const abs = path.resolve(cwd, out);
  const success = JSON.parse(await fs.readFile(path.join(abs, '_kiln/SUCCESS.json'), 'utf8')) as { rows: number };
  assert.ok(success.rows > 0, `${out}: SUCCESS.json says ${success.rows} rows`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const glob = path.join(abs, '*.parquet').replaceAll("'", "''");
    const reader = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${glob}')`);
    assert.equal(Number(reader.getRows()[0][0]), success.rows, `${out}: DuckDB counts a different number of rows than SUCCESS.json`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  const status = kiln(['status', out]) as { complete: boolean; pending: unknown[]; failed: unknown[] };
  assert.equal(status.complete, true, `kiln status ${out}: not complete`);
  assert.deepEqual([status.pending, status.failed], [[], []], `kiln status ${out}: pending or failed tasks`);
  return `${out}: ${success.rows} rows (DuckDB agrees), kiln status done`;
}

interface ShardIndex {
  format: string;
  row_length: number;
  splits: Record<string, { sequences: number; shards: { file: string; sequences: number }[] }>;
}

/** Shards: index.json lists Arrow files whose row counts and row length are what it says. */
async function checkShards(abs: string, out: string): Promise<string> {
  const index = JSON.parse(await fs.readFile(path.join(abs, 'index.json'), 'utf8')) as ShardIndex;
  assert.equal(index.format, 'kiln-shards', `${out}/index.json`);
  assert.ok(index.splits.train.sequences > 0, `${out}: no training sequences`);
  for (const [split, { shards }] of Object.entries(index.splits)) {
    for (const shard of shards) {
      const table = tableFromIPC(await fs.readFile(path.join(abs, shard.file)));
      assert.equal(table.numRows, shard.sequences, `${out}/${shard.file} (${split}): rows`);
      assert.equal(table.schema.fields[0].type.listSize, index.row_length, `${out}/${shard.file}: row length`);
    }
  }
  return `${out}: ${index.splits.train.sequences} training sequences, Arrow files agree with index.json`;
}

/** A training run: a checkpoint, metrics and the report. */
async function checkTrainRun(abs: string, out: string): Promise<string> {
  const steps = (await fs.readdir(path.join(abs, 'checkpoints'))).filter((n) => n.startsWith('step-'));
  assert.ok(steps.length > 0, `${out}: no checkpoint`);
  assert.ok((await fs.readFile(path.join(abs, 'metrics.jsonl'), 'utf8')).trim().length > 0, `${out}: empty metrics.jsonl`);
  assert.ok(existsSync(path.join(abs, 'report.html')), `${out}: no report.html`);
  return `${out}: checkpoints ${steps.join(', ')}, metrics, report.html`;
}

/** A dataset card: the page and card.json beside it, with documents in every stage. */
async function checkCard(abs: string, out: string): Promise<string> {
  assert.match(await fs.readFile(abs, 'utf8'), /id="dataset-card"/, `${out}: no dataset card in the page`);
  const card = JSON.parse(await fs.readFile(abs.replace(/\.html$/, '.json'), 'utf8')) as { stages: { name: string; documents: number }[] };
  for (const s of card.stages) assert.ok(s.documents > 0, `${out}: stage ${s.name} has no documents`);
  return `${out}: card of ${card.stages.map((s) => s.name).join(', ')}`;
}

/** A tokenizer.json: a vocabulary and merges. */
async function checkTokenizer(abs: string, out: string): Promise<string> {
  const tok = JSON.parse(await fs.readFile(abs, 'utf8')) as { model: { vocab: Record<string, number>; merges: unknown[] } };
  const vocab = Object.keys(tok.model.vocab).length;
  assert.ok(vocab > 256 && tok.model.merges.length > 0, `${out}: vocab ${vocab}, ${tok.model.merges.length} merges`);
  return `${out}: vocab ${vocab}`;
}

interface PipelineStatus {
  workdir: string;
  generations?: string[];
  stages: { key: string; stage: string; out: string; condition: string }[];
}

/** A pipeline file: every stage done (`kiln status FILE`), each stage's output checked as above. */
export async function checkPipeline(cwd: string, file: string, kiln: KilnJson): Promise<string[]> {
  const status = kiln(['status', file]) as PipelineStatus;
  assert.ok(status.stages.length > 0, `kiln status ${file}: no stages`);
  const found: string[] = [];
  for (const stage of status.stages) {
    assert.equal(stage.condition, 'done', `kiln status ${file}: stage ${stage.key} is ${stage.condition}`);
    // In an incremental pipeline shard appends to the shards in <workdir>/state/shards; the
    // generation's own shard output only records that run.
    const out = status.generations && stage.stage === 'shard' ? path.join(status.workdir, 'state/shards') : stage.out;
    found.push(await checkOutput(cwd, path.relative(cwd, out), kiln));
  }
  return found;
}
