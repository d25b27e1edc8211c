// The tokenize stage parses plain JSONL in its workers (a fast path beside core's reader): it must
// read exactly what core's reader reads — CRLF, blank lines, a leading BOM inside text, numeric
// ids — and name the file and line of a broken record the same way.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CorruptInputError } from '../../core/errors.js';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { runStage } from '../../core/run-stage.js';
import { closeEncodePool, tokenizeStage } from '../../tokenize/stage.js';
import { TRICKY_TEXTS } from './tricky-text.js';

process.env.KILN_LOG = 'silent';
after(() => closeEncodePool());

async function rows(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await listInputFiles([dir])) for await (const r of readInputRows(f)) out.push(`${String(r.id)}\t${(r.tokens as number[]).join(' ')}`);
  return out.sort();
}

test('plain JSONL (worker path) and the same file gzipped (core path) give identical tokens', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tok-jsonl-'));
  const records = [
    ...TRICKY_TEXTS.map((text, i) => JSON.stringify({ id: `t${i}`, text })),
    JSON.stringify({ id: 7, text: 'a numeric id' }),
    JSON.stringify({ id: 'bom', text: '\uFEFFstarts with a byte order mark' }),
  ];
  // CRLF line ends and blank lines in between, as files from other tools have them.
  const body = records.join('\r\n\r\n') + '\r\n';
  await fs.mkdir(path.join(dir, 'plain'));
  await fs.mkdir(path.join(dir, 'gz'));
  await fs.writeFile(path.join(dir, 'plain', 'docs.jsonl'), body);
  await fs.writeFile(path.join(dir, 'gz', 'docs.jsonl.gz'), gzipSync(body));
  await runStage(tokenizeStage, { inputs: [path.join(dir, 'plain')], out: path.join(dir, 'out-plain'), config: { tokenizer: 'gpt2' }, quiet: true });
  await runStage(tokenizeStage, { inputs: [path.join(dir, 'gz')], out: path.join(dir, 'out-gz'), config: { tokenizer: 'gpt2' }, quiet: true });
  const plain = await rows(path.join(dir, 'out-plain'));
  assert.equal(plain.length, records.length);
  assert.deepEqual(plain, await rows(path.join(dir, 'out-gz')));
  assert.ok(plain.some((r) => r.startsWith('7\t')), 'a numeric id becomes a string');
  const bom = plain.find((r) => r.startsWith('bom\t'))!;
  assert.ok(bom.split('\t')[1].split(' ').length > 5 && bom.includes('\t'), 'the BOM document is kept');
});

test('a broken JSONL record names its file and line', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tok-jsonl-bad-'));
  await fs.mkdir(path.join(dir, 'in'));
  await fs.writeFile(path.join(dir, 'in', 'bad.jsonl'), '{"id":"a","text":"fine"}\n\n{"id":"b","text":\n');
  await assert.rejects(
    runStage(tokenizeStage, { inputs: [path.join(dir, 'in')], out: path.join(dir, 'out'), config: { tokenizer: 'gpt2' }, workers: 1, quiet: true }),
    (e: unknown) => e instanceof Error && /bad\.jsonl:3/.test(e.message) && (e instanceof CorruptInputError || (e as { code?: string }).code === 'KILN_TASK_FAILED'),
  );
});

test('JSONL without ids: the worker path derives the same path:line ids as core, across batches', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-tok-noid-'));
  // CRLF, blank lines and a lone CR (a line break for readline too) spread over many small batches.
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ text: `document ${i} ${'word '.repeat(i % 40)}` }));
  const body = lines.map((l, i) => (i % 7 === 3 ? `${l}\r\n\r\n` : i % 11 === 5 ? `${l}\r` : `${l}\n`)).join('');
  await fs.mkdir(path.join(dir, 'plain', 'sub'), { recursive: true });
  await fs.mkdir(path.join(dir, 'gz', 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'plain', 'sub', 'docs.jsonl'), body);
  await fs.writeFile(path.join(dir, 'gz', 'sub', 'docs.jsonl.gz'), gzipSync(body));
  const config = { tokenizer: 'gpt2', partBytes: 2048 };
  await runStage(tokenizeStage, { inputs: [path.join(dir, 'plain')], out: path.join(dir, 'out-plain'), config, quiet: true });
  await runStage(tokenizeStage, { inputs: [path.join(dir, 'gz')], out: path.join(dir, 'out-gz'), config, quiet: true });
  const plain = await rows(path.join(dir, 'out-plain'));
  assert.equal(plain.length, 300);
  const core: string[] = [];
  for (const f of await listInputFiles([path.join(dir, 'plain')])) for await (const r of readInputRows(f)) core.push(String(r.id));
  assert.deepEqual(plain.map((r) => r.split('\t')[0]).sort(), core.sort(), 'ids equal core reader ids');
  assert.ok(core.includes('sub/docs.jsonl:1') && core.every((id) => /^sub\/docs\.jsonl:\d+$/.test(id)));
  assert.deepEqual(
    plain.map((r) => r.replace(/^sub\/docs\.jsonl/, '')),
    (await rows(path.join(dir, 'out-gz'))).map((r) => r.replace(/^sub\/docs\.jsonl\.gz/, '')),
    'worker and core paths give the same line numbers and tokens',
  );
});
