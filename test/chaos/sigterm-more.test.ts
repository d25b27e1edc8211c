// SIGTERM through the CLI for the stages sigterm.test.ts does not cover: live crawl, archive
// crawl, train and `kiln run` of a pipeline. Each is stopped once it has committed work, must
// keep the stop contract (sigterm-harness.ts), and the resume must give an uninterrupted run's output.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDocuments } from '../../core/input-files.js';
import { encodeParquet } from '../../core/parquet-write.js';
import { runShard } from '../../shard/index.js';
import { readMetrics, type StepRecord } from '../../train/index.js';
import { rng, text } from '../core/corpus.js';
import { kilnBin } from '../core/project-paths.js';
import { startFaultServer } from '../crawl/live/fault-server.js';
import { resumeSite } from '../crawl/live/resume-site.js';
import { readSorted, toyPipelineYaml } from '../pipelines/toy-pipeline.js';
import { markovCorpus } from '../train/memory-source.js';
import { runNode } from './chaos-harness.js';
import { hasJson, stopAfterCommit } from './sigterm-harness.js';

const COMMITS = '_kiln/commits';

/** Every document id of a dataset, sorted, duplicates kept (a page stored twice shows). */
async function ids(out: string): Promise<string[]> {
  const all: string[] = [];
  for await (const d of readDocuments([out])) all.push(d.id);
  return all.sort();
}

async function withDir(prefix: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('live crawl: SIGTERM after the first commit stops with 143, no temp file; the rerun stores the same pages', { timeout: 120_000 }, async () => {
  // The crawler commits every 10 s (crawl/live/config.ts): 260 pages of 100 ms at 2 per host
  // take about 13 s, so the SIGTERM after the first commit lands with pages still queued.
  const { routes, paths } = resumeSite(260, 100);
  const server = await startFaultServer(routes);
  try {
    await withDir('kiln-term-live-', async (dir) => {
      const args = (out: string) => [kilnBin, 'crawl', '--url', `${server.origin}/`, '--allow-private', '--out', out, '--per-host-delay', '0', '--per-host-concurrency', '2', '--max-depth', '20', '--no-filter', '--extractor', 'plain'];
      const ref = await runNode(args(path.join(dir, 'reference')));
      assert.equal(ref.code, 0, ref.stderr);
      const want = await ids(path.join(dir, 'reference'));
      assert.equal(want.length, paths.length, 'the uninterrupted crawl stores every page');
      const out = path.join(dir, 'out');
      const resume = await stopAfterCommit({ args: args(out), out, underway: () => hasJson(path.join(out, COMMITS)), unfinished: out });
      assert.ok(resume.startsWith('kiln crawl --url'), resume);
      const stopped = await ids(out);
      assert.ok(stopped.length > 0 && stopped.length < want.length, `the stop kept ${stopped.length} of ${want.length} pages`);
      const rerun = await runNode(args(out));
      assert.equal(rerun.code, 0, rerun.stderr);
      // Live crawl order depends on response timing: compare the sets (and no page twice).
      assert.deepEqual(await ids(out), want);
    });
  } finally {
    await server.close();
  }
});

/** One gzip member per WARC response record (as crawlers write them) of an HTML page. */
function warcFile(seed: number, records: number): Buffer {
  const r = rng(seed);
  const members: Buffer[] = [];
  for (let i = 0; i < records; i++) {
    const html = `<!doctype html><html><head><title>Page ${seed}-${i}</title></head><body><article>${Array.from({ length: 6 }, () => `<p>${text(r, 40)}.</p>`).join('')}</article></body></html>`;
    const http = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(html)}\r\n\r\n${html}`);
    const head = [
      'WARC/1.0',
      'WARC-Type: response',
      `WARC-Target-URI: http://site-${seed}.example/page/${i}`,
      'WARC-Date: 2026-01-01T00:00:00Z',
      `WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-${String(seed * 100000 + i).padStart(12, '0')}>`,
      'Content-Type: application/http; msgtype=response',
      `Content-Length: ${http.length}`,
    ].join('\r\n');
    members.push(gzipSync(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), http, Buffer.from('\r\n\r\n')])));
  }
  return Buffer.concat(members);
}

test('archive crawl: SIGTERM after the first commit stops with 143, no temp file; the rerun equals an uninterrupted run', { timeout: 120_000 }, async () => {
  await withDir('kiln-term-warc-', async (dir) => {
    const files: string[] = [];
    for (let f = 0; f < 8; f++) {
      files.push(path.join(dir, `in-${f}.warc.gz`));
      await fs.writeFile(files[f]!, warcFile(f + 1, 120));
    }
    // --tasks 8: one task per file, so a commit lands while other tasks are still to run (by
    // default these small files are grouped into one task, whose first commit is its last).
    const args = (out: string) => [kilnBin, 'crawl', '--warc', ...files, '--out', out, '--no-filter', '--tasks', '8'];
    const view = async (out: string): Promise<string[]> => {
      const rows: string[] = [];
      for await (const d of readDocuments([out])) rows.push(`${d.id}\t${d.warc_file}\t${d.warc_offset}\t${d.text}`);
      return rows.sort();
    };
    const ref = await runNode(args(path.join(dir, 'reference')));
    assert.equal(ref.code, 0, ref.stderr);
    const want = await view(path.join(dir, 'reference'));
    assert.equal(want.length, 8 * 120, 'every record is a document');
    const out = path.join(dir, 'out');
    await stopAfterCommit({ args: args(out), out, underway: () => hasJson(path.join(out, COMMITS)), unfinished: out });
    const rerun = await runNode(args(out));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await view(out), want);
  });
});

/** Loss per step of a run's metrics.jsonl. */
async function losses(out: string): Promise<Map<number, number>> {
  return new Map((await readMetrics(path.join(out, 'metrics.jsonl'))).filter((r): r is StepRecord => 'loss' in r).map((r) => [r.step, r.loss]));
}

test('train: SIGTERM after the first checkpoint stops with 143; the printed resume command reproduces the uninterrupted losses', { timeout: 120_000 }, async () => {
  await withDir('kiln-term-train-', async (dir) => {
    // Tokens -> the real shard stage -> train, as test/train/cli.test.ts builds them (EOS 31).
    const tokens = markovCorpus(40000, 31, 0.1, 5);
    const rows = [];
    for (let i = 0; i * 200 < tokens.length; i++) rows.push({ id: `doc-${i}`, tokens: Array.from(tokens.subarray(i * 200, (i + 1) * 200)) });
    await fs.mkdir(path.join(dir, 'tokens'));
    await fs.writeFile(path.join(dir, 'tokens', 'part-00000.parquet'), encodeParquet([{ name: 'id', type: 'string' }, { name: 'tokens', type: 'int32[]' }], rows));
    await runShard({ inputs: [path.join(dir, 'tokens')], out: path.join(dir, 'shards'), seqLen: 16, eosId: 31, vocabSize: 32, valFraction: 0.1, seed: 3 }, { log: undefined });
    await fs.writeFile(path.join(dir, 'tiny.json'), JSON.stringify({ arch: 'gpt', dModel: 32, nLayer: 1, nHead: 2 }));
    const STEPS = 100;
    // Relative paths from the run's folder, as a user types them; the resume line repeats them.
    const args = (out: string) => [kilnBin, 'train', '--data', 'shards', '--out', out, '--steps', String(STEPS), '--batch-size', '8', '--lr', '3e-3', '--warmup-steps', '5', '--backend', 'wasm', '--model', 'tiny.json', '--eval-every', '0', '--checkpoint-every', '10'];
    const ref = await runNode(args('reference'), {}, undefined, dir);
    assert.equal(ref.code, 0, ref.stderr);
    const want = await losses(path.join(dir, 'reference'));
    assert.equal(want.size, STEPS);
    const out = path.join(dir, 'out');
    const checkpoints = path.join(out, 'checkpoints');
    const resume = await stopAfterCommit({
      args: args('out'),
      cwd: dir,
      out,
      underway: async () => (await fs.readdir(checkpoints).catch(() => [])).some((n) => /^step-\d+$/.test(n)),
    });
    const stoppedAt = Math.max(...(await losses(out)).keys());
    assert.ok(stoppedAt < STEPS, `stopped at step ${stoppedAt} of ${STEPS}`);
    assert.ok((await fs.readdir(checkpoints)).includes(`step-${String(stoppedAt).padStart(8, '0')}`), 'the stop checkpoints the step it reached');
    const words = resume.split(' ');
    assert.ok(!/['"\\]/.test(resume) && words[0] === 'kiln' && words.includes('--resume'), resume);
    const rerun = await runNode([kilnBin, ...words.slice(1)], {}, undefined, dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    const got = await losses(out);
    assert.deepEqual([...got.keys()], [...want.keys()], 'metrics.jsonl holds each step exactly once');
    for (const [step, loss] of want) assert.ok(Math.abs(loss - got.get(step)!) <= 1e-5 * Math.max(1, Math.abs(loss)), `step ${step}: ${loss} vs ${got.get(step)}`);
  });
});

test('kiln run: SIGTERM during a stage stops with 143, no temp file; the rerun equals an uninterrupted run', { timeout: 120_000 }, async () => {
  await withDir('kiln-term-run-', async (dir) => {
    // source writes 6 parts; upper maps them at 25 ms a row, one commit per part.
    const yaml = toyPipelineYaml({ count: 240, tasks: 6, delayMs: 25 });
    const reference = path.join(dir, 'reference');
    const stopped = path.join(dir, 'stopped');
    for (const d of [reference, stopped]) {
      await fs.mkdir(d);
      await fs.writeFile(path.join(d, 'pipeline.yaml'), yaml);
    }
    const args = [kilnBin, 'run', 'pipeline.yaml'];
    const ref = await runNode(args, {}, undefined, reference);
    assert.equal(ref.code, 0, ref.stderr);
    const want = await readSorted(path.join(reference, 'work/upper'));
    assert.equal(want.length, 240);
    const upper = path.join(stopped, 'work/upper');
    const resume = await stopAfterCommit({ args, cwd: stopped, out: path.join(stopped, 'work'), underway: () => hasJson(path.join(upper, COMMITS)), unfinished: upper });
    assert.equal(resume, 'kiln run pipeline.yaml');
    const rerun = await runNode(args, {}, undefined, stopped);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await readSorted(upper), want);
  });
});
