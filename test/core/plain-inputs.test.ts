// Inputs users have: plain .txt files (one document per file) and JSONL without `id`. Both get
// ids derived from where the document is (path relative to the input root, plus the content
// hash for text files and the line for JSONL), the same on every run and every machine.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDocuments } from '../../core/input-files.js';
import { runStage } from '../../core/run-stage.js';
import { toyStage } from './toy-stage.js';

process.env.KILN_LOG = 'silent';

test('.txt files and id-less JSONL are documents with stable, path-derived ids', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-plain-'));
  const root = path.join(dir, 'in');
  await fs.mkdir(path.join(root, 'notes'), { recursive: true });
  await fs.writeFile(path.join(root, 'notes', 'a.txt'), 'first line\nsecond line\n');
  await fs.writeFile(path.join(root, 'b.txt.gz'), gzipSync('\uFEFFgzipped text'));
  await fs.writeFile(path.join(root, 'rows.jsonl'), '{"text":"one"}\n\n{"text":"two","id":"kept-id"}\r\n{"text":"three"}\n');
  const docs = [];
  for await (const d of readDocuments([root])) docs.push({ id: d.id, text: d.text });
  const byText = new Map(docs.map((d) => [d.text, d.id]));
  assert.equal(docs.length, 5);
  assert.match(byText.get('first line\nsecond line\n')!, /^notes\/a\.txt#[0-9a-f]{16}$/, 'a text file is one document, its whole content');
  assert.match(byText.get('gzipped text')!, /^b\.txt\.gz#[0-9a-f]{16}$/, 'a BOM is the file encoding, not text');
  assert.equal(byText.get('one'), 'rows.jsonl:1');
  assert.equal(byText.get('two'), 'kept-id');
  assert.equal(byText.get('three'), 'rows.jsonl:4', 'physical line numbers, blank lines counted');

  // The same files reached through another spelling of the input give the same ids.
  const again = [];
  for await (const d of readDocuments([`${root}/`, ])) again.push(d.id);
  assert.deepEqual(again.sort(), docs.map((d) => d.id).sort());
  // And a stage runs on them.
  const s = await runStage(toyStage, { inputs: [root], out: path.join(dir, 'out'), workers: 1, quiet: true });
  assert.equal(s.rows, 5);
});
