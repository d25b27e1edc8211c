// SIGTERM through the CLI, per stage: once the first commit record is written, SIGTERM must end
// the run within a bound with exit 143 (the CLI's contract for SIGTERM), leave no temporary
// (dot-named) file in the output, and the same command rerun must complete with the output of an
// uninterrupted run.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listInputFiles, readDocuments, readInputRows } from '../../core/input-files.js';
import { encodeParquet } from '../../core/parquet-write.js';
import { rng, writeJsonlCorpus } from '../core/corpus.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';
import { writeContaminationCorpus } from '../dedupe/contamination-corpus.js';
import { runNode } from './chaos-harness.js';
import { hasJson, stopAfterCommit } from './sigterm-harness.js';

// Where a stage records finished work: commit records for task stages; shard keeps its own
// generation state (shard/) and writes no commit record until the end.
const COMMITS = '_kiln/commits';

/** Reference run, stopped run, rerun; `view` reads what must be equal. */
async function sigtermCase(args: (out: string) => string[], dir: string, view: (out: string) => Promise<unknown>, underway = COMMITS): Promise<void> {
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const out = path.join(dir, 'out');
  await stopAfterCommit({ args: args(out), out, underway: () => hasJson(path.join(out, underway)), unfinished: out });
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

test('decontaminate: SIGTERM after the first commit stops with 143, no temp file; the rerun keeps and excludes the same rows', { timeout: 120_000 }, async (t) => {
  const shared = requireSharedData(t, 'text');
  if (!shared) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-term-decon-'));
  try {
    const c = writeContaminationCorpus(path.dirname(shared), dir);
    // One worker, many tasks: commits come one after another, so work is left when SIGTERM lands.
    const args = (out: string) => [kilnBin, 'decontaminate', '--in', ...c.docFiles, '--eval', c.evalFile, '--out', out, '--tasks', '8', '--workers', '1'];
    await sigtermCase(args, dir, async (out) => {
      const rows: string[] = [];
      for (const d of [out, path.join(out, 'excluded')]) for await (const r of readDocuments([d])) rows.push(JSON.stringify(r));
      return rows.sort();
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
