import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { encodeParquet } from '../../core/parquet-write.js';
import { runShard } from '../../shard/index.js';
import { markovCorpus } from './memory-source.js';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const VOCAB = 32;
const EOS = 31;

let root = '';
let shards = '';

/** Runs the kiln CLI; resolves with exit code, stdout and stderr. */
function kiln(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, KILN_LOG: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kiln-train-cli-'));
  // Token documents from the same Markov rule as the other tests (ids < 31; 31 is EOS), through the
  // real shard stage, so this test runs tokens → shards → loader → trainer as a user would.
  const tokens = markovCorpus(60000, EOS, 0.1, 21);
  const rows = [];
  for (let i = 0; i * 200 < tokens.length; i++) rows.push({ id: `doc-${i}`, tokens: Array.from(tokens.subarray(i * 200, (i + 1) * 200)) });
  const input = path.join(root, 'tokens');
  await mkdir(input);
  await writeFile(path.join(input, 'part-00000.parquet'), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
  shards = path.join(root, 'shards');
  await runShard({ inputs: [input], out: shards, seqLen: 16, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, seed: 3 }, { log: undefined });
  await writeFile(path.join(root, 'tiny.json'), JSON.stringify({ arch: 'gpt', dModel: 32, nLayer: 1, nHead: 2 }));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('kiln train on real shards learns, checkpoints, resumes to more steps, and kiln sample reads the checkpoint', async () => {
  const out = path.join(root, 'run');
  const common = ['--data', shards, '--out', out, '--batch-size', '8', '--lr', '3e-3', '--backend', 'wasm', '--model', path.join(root, 'tiny.json'), '--eval-every', '50', '--checkpoint-every', '25', '--json'];
  const first = await kiln(['train', ...common, '--steps', '100', '--warmup-steps', '10']);
  assert.equal(first.code, 0, first.stderr);
  const s1 = JSON.parse(first.stdout) as Record<string, number | string | null>;
  for (const key of ['steps', 'final_loss', 'val_loss', 'initial_val_loss', 'tokens_per_s', 'data_wait_share', 'backend', 'checkpoint']) assert.ok(key in s1, key);
  assert.equal(s1.steps, 100);
  assert.equal(s1.backend, 'wasm');
  assert.ok((s1.val_loss as number) < (s1.initial_val_loss as number) - 1, `val ${s1.val_loss} from ${s1.initial_val_loss}`);
  assert.ok((s1.data_wait_share as number) < 0.5);
  assert.match(String(s1.checkpoint), /step-00000100$/);
  const manifest = JSON.parse(await readFile(path.join(String(s1.checkpoint), 'checkpoint.json'), 'utf8')) as { loader: { state: { position: number } }; eosId: number };
  assert.ok(manifest.loader.state.position > 0, 'the loader state is in the checkpoint');
  assert.equal(manifest.eosId, EOS);

  // A rerun of the finished run with the same settings is skipped, as every other stage is.
  const again = await kiln(['train', ...common, '--steps', '100', '--warmup-steps', '10']);
  assert.equal(again.code, 0, again.stderr);
  const s0 = JSON.parse(again.stdout) as Record<string, unknown>;
  assert.equal(s0.skipped, true);
  assert.equal(s0.steps, 100);
  assert.equal(s0.steps_run, 0);
  // Changed settings are refused unless --resume or --overwrite.
  const changed = await kiln(['train', ...common, '--steps', '100', '--warmup-steps', '10', '--lr', '1e-3']);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stderr, /KILN_CONFIG_CHANGED.*lr/);

  const resumed = await kiln(['train', ...common, '--steps', '120', '--warmup-steps', '10', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const s2 = JSON.parse(resumed.stdout) as Record<string, number>;
  assert.equal(s2.resumed_from, 100);
  assert.equal(s2.steps, 120);
  assert.equal(s2.steps_run, 20);

  const sample = await kiln(['sample', out, '--tokens', '12', '--backend', 'wasm', '--json']);
  assert.equal(sample.code, 0, sample.stderr);
  const drawn = JSON.parse(sample.stdout) as { step: number; ids: number[] };
  assert.equal(drawn.step, 120);
  assert.ok(drawn.ids.length >= 1 && drawn.ids.length <= 12);
  assert.ok(drawn.ids.every((id) => Number.isInteger(id) && id >= 0 && id < VOCAB));
});

test('kiln train refuses bad --model, a documents dataset as --data and a too long seq-len before writing --out', async () => {
  const docs = path.join(root, 'docs');
  await mkdir(path.join(docs, '_kiln'), { recursive: true });
  await writeFile(path.join(docs, '_kiln', 'dataset.json'), JSON.stringify({ stage: 'crawl', columns: [{ name: 'id' }, { name: 'text' }] }));
  const r = await kiln(['train', '--data', docs, '--out', path.join(root, 'd-out'), '--backend', 'cpu']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /documents dataset.*tokenize and kiln shard/);
  const badModel = await kiln(['train', '--data', shards, '--out', path.join(root, 'm-out'), '--model', 'gpt-huge', '--backend', 'cpu']);
  assert.equal(badModel.code, 2);
  const longShards = path.join(root, 'long');
  await runShard({ inputs: [path.join(root, 'tokens')], out: longShards, seqLen: 100000, eosId: EOS, vocabSize: VOCAB, valFraction: 0.1, seed: 3 });
  const long = await kiln(['train', '--data', longShards, '--out', path.join(root, 'l-out'), '--backend', 'cpu']);
  assert.equal(long.code, 2, long.stderr);
  assert.match(long.stderr, /attention scores.*GiB/);
  for (const dir of ['d-out', 'm-out', 'l-out']) await assert.rejects(stat(path.join(root, dir)), `${dir} was not created`);
});

test('kiln train rejects a bad backend or model name with exit 2 before touching data', async () => {
  const badBackend = await kiln(['train', '--data', shards, '--out', path.join(root, 'x'), '--backend', 'tpu']);
  assert.equal(badBackend.code, 2);
  assert.match(badBackend.stderr, /backend/);
  const badModel = await kiln(['train', '--data', shards, '--out', path.join(root, 'y'), '--model', 'gpt-huge', '--backend', 'cpu']);
  assert.equal(badModel.code, 2);
  assert.match(badModel.stderr, /gpt-huge/);
});
