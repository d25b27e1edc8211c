// The tokenize stage: exact ids in order, tokenizer info recorded, per-task counts, SIGKILL + resume.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readSuccess } from '../../core/dataset-manifest.js';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { runStage } from '../../core/run-stage.js';
import { loadTokenizer } from '../../tokenize/load.js';
import { closeEncodePool, setEncodeWorkers, tokenizeStage } from '../../tokenize/stage.js';
import { readTokenizerInfo } from '../../tokenize/tokenizer-record.js';
import { projectRoot, requireSharedData } from '../core/project-paths.js';
import { TRICKY_TEXTS } from './tricky-text.js';
import { shakespeareDocs } from './paths.js';

process.env.KILN_LOG = 'silent';
after(() => closeEncodePool());

async function writeInput(dir: string, files: number, perFile: number): Promise<Map<string, string>> {
  await fs.mkdir(dir, { recursive: true });
  const base = await shakespeareDocs();
  const texts = [...TRICKY_TEXTS, ...(base.length > 0 ? base : TRICKY_TEXTS.map((t) => t.repeat(20)))];
  const docs = new Map<string, string>();
  let n = 0;
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let i = 0; i < perFile; i++, n++) {
      const id = `doc-${f}-${i}`;
      const text = texts[n % texts.length];
      docs.set(id, text);
      lines.push(JSON.stringify({ id, text, url: null }));
    }
    await fs.writeFile(path.join(dir, `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  return docs;
}

async function readTokens(dir: string): Promise<[string, number[]][]> {
  const rows: [string, number[]][] = [];
  for (const file of await listInputFiles([dir])) {
    for await (const row of readInputRows(file)) rows.push([row.id as string, Array.from(row.tokens as ArrayLike<number>)]);
  }
  return rows;
}

test('tokenize stage writes exact ids in input order, records the tokenizer', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-'));
  const docs = await writeInput(path.join(work, 'in'), 3, 40);
  setEncodeWorkers(2);
  const out = path.join(work, 'out');
  const summary = await runStage(tokenizeStage, { inputs: [path.join(work, 'in')], out, tasks: 3, quiet: true, config: { tokenizer: 'gpt2', partBytes: 20000 } });
  const tok = loadTokenizer('gpt2');
  const rows = await readTokens(out);
  // Tasks own whole files (planned by size); within a file the input order is kept.
  assert.deepEqual(rows.map(([id]) => id).sort(), [...docs.keys()].sort());
  const lastIndex = new Map<string, number>();
  for (const [id] of rows) {
    const [, file, index] = id.split('-');
    assert.ok((lastIndex.get(file) ?? -1) < Number(index), `${id} out of order`);
    lastIndex.set(file, Number(index));
  }
  let total = 0;
  for (const [id, ids] of rows) {
    assert.deepEqual(ids, Array.from(tok.encodeSync!(docs.get(id)!)), id);
    total += ids.length;
  }
  assert.equal(summary.stats.tokens, total);
  assert.equal(summary.stats.documents, docs.size);
  const info = await readTokenizerInfo(out);
  assert.deepEqual(info, { name: 'gpt2', hash: tok.hash, vocabSize: 50257, eosId: 50256 });
  const success = await readSuccess(out);
  const perTask = (success?.extra as { tokensPerTask: number[] }).tokensPerTask;
  assert.equal(perTask.length, 3);
  assert.equal(perTask.reduce((a, b) => a + b, 0), total);
  await fs.rm(work, { recursive: true, force: true });
});

test('tokenizers on the HF binding (BERT) also run in the encode workers', async (t) => {
  const file = requireSharedData(t, 'tokenizers/bert-base-uncased/tokenizer.json');
  if (!file) return;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-bert-'));
  const docs = await writeInput(path.join(work, 'in'), 1, 30);
  const out = path.join(work, 'out');
  await runStage(tokenizeStage, { inputs: [path.join(work, 'in')], out, quiet: true, config: { tokenizer: file, partBytes: 5000 } });
  const rows = await readTokens(out);
  const expected = await loadTokenizer(file).encodeBatch(rows.map(([id]) => docs.get(id)!));
  assert.equal(rows.length, docs.size);
  rows.forEach(([id, ids], i) => assert.deepEqual(ids, Array.from(expected[i]), id));
  assert.equal((await readTokenizerInfo(out)).name, 'bert-base-uncased');
  await fs.rm(work, { recursive: true, force: true });
});

test('SIGKILL mid-run + resume gives the same tokens dataset as an uninterrupted run', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tokenize-kill-'));
  const input = path.join(work, 'in');
  const docs = await writeInput(input, 2, 150);
  const child = path.join(projectRoot, 'dist/test/tokenize/tokenize-child.js');
  const runChild = (out: string, killWhen?: () => boolean): Promise<'killed' | 'done'> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [child, input, out], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_V8_COVERAGE: undefined } });
      let timer: NodeJS.Timeout | undefined;
      if (killWhen) {
        timer = setInterval(() => {
          if (killWhen()) {
            clearInterval(timer);
            p.kill('SIGKILL');
          }
        }, 5);
      }
      p.on('exit', (code, signal) => {
        if (timer) clearInterval(timer);
        if (signal === 'SIGKILL') resolve('killed');
        else if (code === 0) resolve('done');
        else reject(new Error(`child exited with ${code}`));
      });
    });
  const reference = path.join(work, 'reference');
  assert.equal(await runChild(reference), 'done');
  const killed = path.join(work, 'killed');
  const commits = path.join(killed, '_kiln', 'commits');
  // Kill once a few chunks are committed, while the run is still going.
  const outcome = await runChild(killed, () => existsSync(commits) && readdirSync(commits).filter((f) => f.endsWith('.json')).length >= 4);
  assert.equal(outcome, 'killed', 'the run finished before it could be killed; make the input larger');
  assert.equal(await runChild(killed), 'done');
  const a = await readTokens(reference);
  const b = await readTokens(killed);
  assert.equal(a.length, docs.size);
  assert.deepEqual(b, a);
  await fs.rm(work, { recursive: true, force: true });
});
