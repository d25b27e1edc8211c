// SIGTERM through the CLI, per stage: once the first commit record is written, SIGTERM must end
// the run within a bound with exit 143 (the CLI's contract for SIGTERM), leave no temporary
// (dot-named) file in the output, and the same command rerun must complete with the output of an
// uninterrupted run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listInputFiles, readDocuments, readInputRows } from '../../core/input-files.js';
import { encodeParquet } from '../../core/parquet-write.js';
import { rng, writeJsonlCorpus } from '../core/corpus.js';
import { kilnBin } from '../core/project-paths.js';
import { runNode } from './chaos-harness.js';

// Generous for a loaded 2-core machine: a stop waits for the task's current commit only.
const STOP_BOUND_MS = 20_000;

/** Every file under `dir` whose name starts with a dot: temp files (core/atomic-file.ts writes `.tmp-<pid>-...`). */
async function dotFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) if (e.name.startsWith('.')) found.push(path.join(e.parentPath, e.name));
  return found;
}

/** Starts `args`, SIGTERMs it once `underway` (relative to `out`) has a file, and checks the stop. */
async function stopAfterFirstCommit(args: string[], out: string, underway: string): Promise<void> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KILN_LOG: 'silent', NODE_V8_COVERAGE: undefined } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
  const marker = path.join(out, underway);
  for (;;) {
    if (child.exitCode !== null) assert.fail(`run ended (${child.exitCode}) before ${underway} had a file: ${stderr}`);
    if ((await fs.readdir(marker).catch(() => [])).some((f) => f.endsWith('.json'))) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const sent = Date.now();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  const took = Date.now() - sent;
  assert.equal(signal, null, `died of ${signal} instead of stopping: ${stderr}`);
  assert.equal(code, 143, `SIGTERM exits 143: ${stderr}`);
  assert.ok(took < STOP_BOUND_MS, `stopped ${took} ms after SIGTERM`);
  assert.deepEqual(await dotFiles(out), [], 'no temp file left');
  assert.equal(await fs.stat(path.join(out, '_kiln', 'SUCCESS.json')).catch(() => undefined), undefined, 'a stopped run is not marked complete');
}

// Where a stage records finished work: commit records for task stages; shard keeps its own
// generation state (shard/) and writes no commit record until the end.
const COMMITS = '_kiln/commits';

/** Reference run, stopped run, rerun; `view` reads what must be equal. */
async function sigtermCase(args: (out: string) => string[], dir: string, view: (out: string) => Promise<unknown>, underway = COMMITS): Promise<void> {
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const out = path.join(dir, 'out');
  await stopAfterFirstCommit(args(out), out, underway);
  const rerun = await runNode(args(out));
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await view(out), await view(reference));
}

test('tokenize: SIGTERM after the first commit stops with 143, no temp file; the rerun equals an uninterrupted run', { timeout: 120_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-term-tok-'));
  try {
    await writeJsonlCorpus(path.join(dir, 'docs'), 4, 1500, 5);
    const args = (out: string) => [kilnBin, 'tokenize', '--in', path.join(dir, 'docs'), '--out', out, '--tokenizer', 'gpt2', '--tasks', '4', '--part-mb', '0.05'];
    await sigtermCase(args, dir, async (out) => {
      const rows: string[] = [];
      for (const f of await listInputFiles([out])) for await (const r of readInputRows(f)) rows.push(`${String(r.id)}\t${(r.tokens as number[]).join(',')}`);
      return rows.sort();
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('dedupe: SIGTERM after the first commit stops with 143, no temp file; the rerun keeps the same documents', { timeout: 120_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-term-dedupe-'));
  try {
    await writeJsonlCorpus(path.join(dir, 'docs'), 4, 1500, 7);
    const args = (out: string) => [kilnBin, 'dedupe', '--in', path.join(dir, 'docs'), '--out', out];
    await sigtermCase(args, dir, async (out) => {
      const ids: string[] = [];
      for await (const d of readDocuments([out])) ids.push(d.id);
      return ids.sort();
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('shard: SIGTERM after the first commit stops with 143, no temp file; the rerun writes the same shards', { timeout: 120_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-term-shard-'));
  try {
    const tokens = path.join(dir, 'tokens');
    await fs.mkdir(tokens);
    const r = rng(9);
    for (let f = 0; f < 4; f++) {
      const rows = Array.from({ length: 3000 }, (_, i) => ({ id: `t${f}-${i}`, tokens: Array.from({ length: 20 + Math.floor(r() * 300) }, () => Math.floor(r() * 5000)) }));
      await fs.writeFile(path.join(tokens, `part-${f}.parquet`), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
    }
    const args = (out: string) => [kilnBin, 'shard', '--in', tokens, '--out', out, '--seq-len', '64', '--eos', '0', '--vocab-size', '5000', '--val-fraction', '0.05', '--shard-size', '200KB', '--memory', '1MiB', '--seed', '4'];
    await sigtermCase(args, dir, async (out) => withoutTimes(JSON.parse(await fs.readFile(path.join(out, 'index.json'), 'utf8'))), '_kiln/shard/gen-0000');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** index.json without its `created_at` stamps: everything else must equal the uninterrupted run's. */
function withoutTimes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'created_at' ? undefined : v)));
}
