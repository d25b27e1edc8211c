// Progress inside one big input file (#14 item 12): the bar's byte count moves while a task runs,
// not only when the file's only task ends. KILN_PROGRESS=bar draws the bar on a pipe.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rng, text } from '../core/corpus.js';
import { kiln } from './kiln-process.js';

interface BarState {
  tasksDone: number;
  rows: number;
  mb: number;
}

/** Every state the redrawn bar of `stage` showed, in order. */
function barStates(stderr: string, stage: string): BarState[] {
  const states: BarState[] = [];
  const re = new RegExp(`^${stage} \\[[#-]+\\] (\\d+)/\\d+ tasks\\s+([\\d,]+) rows\\s+([\\d.]+) MB`);
  for (const piece of stderr.split(/[\r\n]/)) {
    const m = re.exec(piece);
    if (m) states.push({ tasksDone: Number(m[1]), rows: Number(m[2].replaceAll(',', '')), mb: Number(m[3]) });
  }
  return states;
}

// One plain JSONL file of ~3.5 MB: a single task and, under tokenize's 4 MiB part size, a single
// part, so before this fix nothing moved until the end.
async function bigFile(dir: string): Promise<number> {
  const r = rng(14);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 3_500_000; i++) {
    const line = JSON.stringify({ id: `d${i}`, text: text(r, 300 + Math.floor(r() * 200)) }) + '\n';
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  await fs.writeFile(path.join(dir, 'big.jsonl'), lines.join(''));
  return bytes;
}

test('tokenize and dedupe show bytes moving inside one big file, before its task ends', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-progress-'));
  try {
    const bytes = await bigFile(dir);
    const total = Number((bytes / 1e6).toFixed(1));

    const tok = await kiln(['tokenize', '--in', 'big.jsonl', '--out', 'tokens'], dir, { KILN_PROGRESS: 'bar' });
    assert.equal(tok.code, 0, tok.stderr);
    const states = barStates(tok.stderr, 'tokenize');
    assert.ok(states.length >= 2, tok.stderr);
    const last = states.at(-1)!;
    assert.deepEqual([last.tasksDone, last.mb], [1, total], 'the last bar counts the whole file');
    // The file's only part is committed at the end: bytes in between come from the encode worker.
    const inside = states.filter((s) => s.tasksDone === 0 && s.rows === 0 && s.mb > 0 && s.mb < total);
    assert.ok(inside.length > 0, `no byte count between 0 and ${total} MB while the part was encoded:\n${tok.stderr}`);
    // The bar goes to stderr only: the summary table on stdout has none of it.
    assert.doesNotMatch(tok.stdout, /\[[#-]+\]/);

    const dd = await kiln(['dedupe', '--in', 'big.jsonl', '--out', 'dedup'], dir, { KILN_PROGRESS: 'bar' });
    assert.equal(dd.code, 0, dd.stderr);
    const sig = barStates(dd.stderr, 'dedupe-signatures');
    assert.ok(sig.some((s) => s.tasksDone === 0 && s.mb > 0 && s.mb < total), `dedupe signatures showed no byte count inside the file:\n${dd.stderr}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('--json prints no bar, and a wrong KILN_PROGRESS is refused by name', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-progress-'));
  try {
    await fs.writeFile(path.join(dir, 'a.jsonl'), '{"id":"a","text":"hello world"}\n');
    const json = await kiln(['tokenize', '--in', 'a.jsonl', '--out', 'tokens', '--json'], dir, { KILN_PROGRESS: 'bar' });
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stderr + json.stdout, /\[[#-]+\]/);
    JSON.parse(json.stdout);

    const bad = await kiln(['tokenize', '--in', 'a.jsonl', '--out', 'tokens2'], dir, { KILN_PROGRESS: 'fancy' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /kiln: KILN_CONFIG: KILN_PROGRESS=fancy/);
    await assert.rejects(fs.access(path.join(dir, 'tokens2')), 'refused before the output is made');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
