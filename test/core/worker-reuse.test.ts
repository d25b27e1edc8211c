// The local executor keeps its worker threads across tasks: many small tasks start one thread
// per lane, not one per task (each fresh thread re-imports the stage, ~1.5 CPU-s). A task's
// failure is still reported per task and does not take its thread's other tasks down.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../core/input-files.js';
import { runStage } from '../../core/run-stage.js';
import { writeJsonlCorpus } from './corpus.js';
import { toyStage } from './toy-stage.js';

process.env.KILN_LOG = 'silent';

test('12 tiny tasks on 2 workers start 2 worker threads and give the same rows as one thread', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-reuse-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 12, 20, 4);
  const pooled = await runStage(toyStage, { inputs, out: path.join(dir, 'pooled'), tasks: 12, workers: 2, quiet: true });
  assert.equal(pooled.tasks, 12);
  assert.equal(pooled.stopped, false);
  assert.equal(pooled.workersStarted, 2);
  const inline = await runStage(toyStage, { inputs, out: path.join(dir, 'inline'), tasks: 12, workers: 1, quiet: true });
  assert.equal(inline.workersStarted, 0);
  const rows = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for await (const doc of readDocuments([d])) out.push(`${doc.id}\t${doc.text}`);
    return out.sort();
  };
  assert.deepEqual(await rows(path.join(dir, 'pooled')), await rows(path.join(dir, 'inline')));
});

test('a failing task is reported by index while the same thread runs the other tasks', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-reuse-fail-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 6, 10, 4);
  // A broken JSON line in one input file: its task fails, the others finish.
  await fs.writeFile(inputs[2], '{"id":"x","text":"fine"}\n{"id":\n');
  const out = path.join(dir, 'out');
  const err = (await runStage(toyStage, { inputs, out, tasks: 6, workers: 2, quiet: true }).catch((e: unknown) => e)) as { code?: string; message?: string };
  assert.equal(err.code, 'KILN_TASK_FAILED');
  assert.match(String(err.message), /1 of 6 tasks of toy-upper failed/);
  assert.equal((await fs.readdir(path.join(out, '_kiln', 'done'))).length, 5);
});
