// crawl (WARC) -> tokenize -> shard -> train with every dataset on s3:// (Ceph RGW from
// .ci/s3.sh), through the CLI: the documents, tokens and shards are the same bytes as the local
// run's; verify, inspect and status read the s3:// datasets. Then the pipelines (the quickstart
// and WARC -> dedupe -> tokenize -> shard -> train) with an s3:// workdir against a local one,
// dedupe with its persistent --index on s3://, and WARC files read from s3://.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createReadStream } from 'node:fs';
import { listInputFiles, readInputRows } from '../../core/input-files.js';
import { openStorage } from '../../core/storage/open-storage.js';
import { takeOutputLease } from '../../core/storage/output-lease.js';
import { stageIn } from '../../core/storage/staged-stage.js';
import { startDemoSite } from '../../pipelines/examples/demo-site.js';
import { projectRoot } from '../core/project-paths.js';
import type { Storage } from '../../core/storage/storage.js';
import { requireSharedData } from '../core/project-paths.js';
import { freshS3Url, needS3, objectChecksums } from '../core/s3-test-bucket.js';
import { kiln } from './kiln-process.js';

/** Checksums of everything outside _kiln/ and excluded/_kiln/ (commit records and index.json hold times and paths). */
const data = (s: Storage): Promise<Map<string, string>> => objectChecksums(s, (k) => !k.startsWith('_kiln/') && !k.includes('/_kiln/') && k !== 'index.json');

test('kiln crawl -> tokenize -> shard -> train on s3:// gives the local run\'s bytes', { timeout: 600_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/copycat/clueweb12-0000tw-00.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-cli-'));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url('p');
  const steps = (root: string): string[][] => [
    ['crawl', '--warc', warc, '--languages', 'all', '--no-filter', '--out', `${root}/docs`],
    ['tokenize', '--in', `${root}/docs`, '--out', `${root}/tok`, '--tokenizer', 'gpt2'],
    ['shard', '--in', `${root}/tok`, '--out', `${root}/shards`, '--seq-len', '32'],
  ];
  for (const root of [path.join(dir, 'local'), s3]) {
    for (const args of steps(root)) {
      const r = await kiln([...args, '--json'], dir, env);
      assert.equal(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
    }
  }
  for (const name of ['docs', 'tok', 'shards']) {
    const s = openStorage(`${s3}/${name}`);
    try {
      const want = await data(openStorage(path.join(dir, 'local', name)));
      assert.ok(want.size > 0, name);
      assert.deepEqual(await data(s), want, name);
    } finally {
      await s.close();
    }
  }
  for (const args of [['verify', `${s3}/tok`], ['verify', `${s3}/shards`], ['inspect', `${s3}/docs`, '--json'], ['status', `${s3}/tok`]]) {
    const r = await kiln(args, dir, env);
    assert.equal(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
  }
  const trained = await kiln(['train', '--data', `${s3}/shards`, '--out', path.join(dir, 'run'), '--steps', '2', '--json'], dir, env);
  assert.equal(trained.code, 0, trained.stderr);
});

/** Uploads a local file to an s3:// URL (a WARC the crawl then reads from the bucket). */
async function upload(file: string, url: string): Promise<void> {
  const cut = url.lastIndexOf('/');
  const s = openStorage(url.slice(0, cut));
  try {
    await s.write(url.slice(cut + 1), createReadStream(file));
  } finally {
    await s.close();
  }
}

/** Every row of a documents dataset, without the columns named. */
async function rows(dir: string, without: string[] = []): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const f of await listInputFiles([dir])) {
    for await (const r of readInputRows(f)) {
      const copy = { ...(r as Record<string, unknown>) };
      for (const c of without) delete copy[c];
      out.push(JSON.parse(JSON.stringify(copy, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
    }
  }
  return out;
}

/**
 * Runs one pipeline file twice, workdir local and workdir s3://, and compares every stage's
 * output. Excluded, and why: `_kiln/` (manifests and commit records hold the absolute input
 * paths, which differ by construction, and commit times); shards' `index.json` (created_at and
 * the input path); train's metrics.jsonl and report.html (wall-clock step times) and
 * pipeline-train.json (its summary holds durations and paths); each checkpoint's checkpoint.json
 * (createdAt, and the run's --data and --out paths) — its tensors.bin, whose sha256 that file
 * records, is compared. Everything else — documents,
 * dedupe's kept documents and its excluded (dropped) ones, tokens, shards, checkpoint tensors —
 * must be the same bytes.
 */
async function comparePipelines(name: string, yaml: (workdir: string) => string, stages: string[], byRows: Record<string, string[]> = {}): Promise<void> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `kiln-s3-${name}-`));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url(name);
  for (const [file, workdir] of [['local.yaml', path.join(dir, 'work')], ['s3.yaml', s3]] as const) {
    await fsp.writeFile(path.join(dir, file), yaml(workdir));
    const r = await kiln(['run', file], dir, env);
    assert.equal(r.code, 0, `kiln run ${file}: ${r.stderr}`);
  }
  const keep = (k: string): boolean =>
    !k.startsWith('_kiln/') && !k.includes('/_kiln/') && k !== 'index.json' && !['metrics.jsonl', 'report.html', 'pipeline-train.json'].includes(k) && !k.endsWith('/checkpoint.json');
  for (const [stage, without] of Object.entries(byRows)) {
    const want = await rows(path.join(dir, 'work', stage), without);
    assert.ok(want.length > 0, `${name}: ${stage} wrote no rows locally`);
    assert.deepEqual(await rows(await stageIn(`${s3}/${stage}`, { dir: path.join(dir, 'check', stage) }), without), want, `${name}: ${stage} rows`);
  }
  for (const stage of stages) {
    const local = await objectChecksums(openStorage(path.join(dir, 'work', stage)), keep);
    const s = openStorage(`${s3}/${stage}`);
    try {
      assert.ok(local.size > 0, `${name}: ${stage} wrote nothing locally`);
      assert.deepEqual(await objectChecksums(s, keep), local, `${name}: ${stage}`);
    } finally {
      await s.close();
    }
  }
  // A second run finds every stage done on the server and changes nothing.
  const again = await kiln(['run', 's3.yaml', '--json'], dir, env);
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout) as { stages: { key: string; status: string }[] };
  assert.equal(report.stages.length, stages.length + Object.keys(byRows).length);
  for (const r of report.stages) assert.equal(r.status, 'skipped', `${name}: second run of ${r.key}`);
}

test('the quickstart pipeline with its workdir on s3:// gives the local run\'s bytes', { timeout: 900_000 }, async (t) => {
  if (!(await needS3(t))) return;
  const site = await startDemoSite({ articles: 30 });
  try {
    const source = await fsp.readFile(path.join(projectRoot, 'pipelines/examples/quickstart.yaml'), 'utf8');
    // Two training steps (not 60): the bytes of a checkpoint are compared, not the model's
    // quality. One connection per host: the pages then arrive in the same order in both runs.
    const yaml = (workdir: string): string =>
      source
        .replaceAll('{{site}}', site.url)
        .replace(/^workdir: .*$/m, `workdir: ${workdir}`)
        .replace(/perHostConcurrency: 8/, 'perHostConcurrency: 1')
        .replace(/steps: 60\b.*$/m, 'steps: 2')
        .replace(/evalEvery: 20/, 'evalEvery: 1')
        .replace(/checkpointEvery: 20/, 'checkpointEvery: 1');
    // A live crawl records when it fetched each page (fetched_at): the crawled and the deduped
    // documents are compared row by row without that column; tokens and on are the same bytes.
    await comparePipelines('quickstart', yaml, ['tokenize', 'shard', 'train'], { crawl: ['fetched_at'], dedupe: ['fetched_at'] });
  } finally {
    await site.close();
  }
});

test('WARC -> dedupe -> tokenize -> shard -> train with every dataset on s3:// gives the local run\'s bytes', { timeout: 900_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/dolma/sample-0000.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const yaml = (workdir: string): string => [
    'name: warc-s3',
    `workdir: ${workdir}`,
    'stages:',
    '  crawl:',
    '    stage: crawl-archive',
    `    warc: ["${warc}"]`,
    '    languages: []',
    '    filter: false',
    '  dedupe:',
    '    threshold: 0.8',
    '  tokenize:',
    '    tokenizer: gpt2',
    '  shard:',
    '    seqLen: 32',
    '  train:',
    '    model: gpt-mini',
    '    steps: 2',
    '    batchSize: 4',
    '    checkpointEvery: 1',
    '    evalEvery: 1',
    '',
  ].join('\n');
  await comparePipelines('warcpipe', yaml, ['crawl', 'dedupe', 'tokenize', 'shard', 'train']);
});

test('dedupe with --in, --out and --index on s3:// twice: the second run drops the first run\'s documents, as locally; a second writer of the index is refused', { timeout: 600_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/dolma/sample-0000.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-dedupe-'));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url('d');
  const crawl = await kiln(['crawl', '--warc', warc, '--languages', 'all', '--no-filter', '--out', `${s3}/docs`, '--json'], dir, env);
  assert.equal(crawl.code, 0, crawl.stderr);
  const local = path.join(dir, 'local');
  const r0 = await kiln(['crawl', '--warc', warc, '--languages', 'all', '--no-filter', '--out', path.join(local, 'docs'), '--json'], dir, env);
  assert.equal(r0.code, 0, r0.stderr);
  const summaries: Record<string, { kept: number; dropped_exact: number; dropped_near: number }[]> = { local: [], s3: [] };
  for (const [root, key] of [[local, 'local'], [s3, 's3']] as const) {
    for (const run of ['first', 'second']) {
      const r = await kiln(['dedupe', '--in', `${root}/docs`, '--out', `${root}/${run}`, '--index', `${root}/index`, '--json'], dir, env);
      assert.equal(r.code, 0, `${key} ${run}: ${r.stderr}`);
      summaries[key].push(JSON.parse(r.stdout));
    }
  }
  const counts = (xs: { kept: number; dropped_exact: number; dropped_near: number }[]): number[][] => xs.map((x) => [x.kept, x.dropped_exact, x.dropped_near]);
  assert.ok(summaries.local[0].kept > 0 && summaries.local[1].kept === 0, `locally the second run drops every document: ${JSON.stringify(summaries.local)}`);
  assert.deepEqual(counts(summaries.s3), counts(summaries.local));
  for (const run of ['first', 'second']) {
    const s = openStorage(`${s3}/${run}`);
    try {
      assert.deepEqual(await data(s), await data(openStorage(path.join(local, run))), run);
    } finally {
      await s.close();
    }
  }
  // The index is published with index.json naming both generations, and no pin left behind.
  const index = openStorage(`${s3}/index`);
  try {
    const manifest = JSON.parse(Buffer.from((await index.readAll('index.json'))!).toString('utf8')) as { generations: unknown[] };
    assert.equal(manifest.generations.length, 2);
    for await (const o of index.list('pins/')) assert.fail(`pin left on the server: ${o.key}`);
    // Another writer holds the index: this run is refused, and the index is unchanged.
    const lease = await takeOutputLease(index);
    try {
      const r = await kiln(['dedupe', '--in', `${s3}/docs`, '--out', `${s3}/third`, '--index', `${s3}/index`, '--json'], dir, env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /KILN_OUTPUT_LOCKED|being written by another run/);
    } finally {
      await lease.release();
    }
  } finally {
    await index.close();
  }
});

test('crawl --warc s3://... and a --warc-list of s3:// URLs read the same records as the local file, split into byte ranges', { timeout: 600_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/dolma/sample-0000.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-warc-'));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url('w');
  const remote = `${s3}/in/sample-0000.warc.gz`;
  await upload(warc, remote);
  await fsp.writeFile(path.join(dir, 'list.txt'), `${remote}\n`);
  await upload(path.join(dir, 'list.txt'), `${s3}/in/list.txt`);
  // --tasks 3 cuts the file at gzip member starts: the s3:// ranges are found by ranged GETs.
  const common = ['--languages', 'all', '--no-filter', '--tasks', '3', '--json'];
  const runs: [string, string[]][] = [
    ['local', ['--warc', warc]],
    ['s3', ['--warc', remote]],
    ['list', ['--warc-list', path.join(dir, 'list.txt')]],
    ['s3list', ['--warc-list', `${s3}/in/list.txt`]],
  ];
  for (const [name, args] of runs) {
    const r = await kiln(['crawl', ...args, ...common, '--out', path.join(dir, name)], dir, env);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 's3', '_kiln', 'dataset.json'), 'utf8')) as { taskCount: number };
  assert.equal(manifest.taskCount, 3);
  // warc_file names where each record was read from (the local path or the s3:// URL): the one
  // column that differs by construction.
  const want = await rows(path.join(dir, 'local'), ['warc_file']);
  assert.ok(want.length > 0);
  for (const name of ['s3', 'list', 's3list']) assert.deepEqual(await rows(path.join(dir, name), ['warc_file']), want, name);
  assert.deepEqual(new Set((await rows(path.join(dir, 's3'))).map((r) => (r as { warc_file: string }).warc_file)), new Set([remote]));
});

test('decontaminate with its input, output and eval set on s3:// gives the local run\'s bytes', { timeout: 600_000 }, async (t) => {
  const warc = requireSharedData(t, 'warc/dolma/sample-0000.warc.gz');
  if (!warc || !(await needS3(t))) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-s3-decon-'));
  const env = { KILN_S3_STAGE: path.join(dir, 'stage') };
  const s3 = await freshS3Url('c');
  const local = path.join(dir, 'local');
  for (const root of [local, s3]) {
    const r = await kiln(['crawl', '--warc', warc, '--languages', 'all', '--no-filter', '--out', `${root}/docs`, '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
  }
  // The eval set: the longest document's text (well over --ngram words), so that document is dropped.
  const docs = (await rows(path.join(local, 'docs'))) as { text: string }[];
  const first = docs.reduce((a, b) => (b.text.length > a.text.length ? b : a));
  await fsp.mkdir(path.join(dir, 'eval'));
  await fsp.writeFile(path.join(dir, 'eval', 'set.jsonl'), `${JSON.stringify({ text: first.text })}\n`);
  await upload(path.join(dir, 'eval', 'set.jsonl'), `${s3}/eval/set.jsonl`);
  const kept: number[] = [];
  for (const [root, evalSet] of [[local, path.join(dir, 'eval', 'set.jsonl')], [s3, `${s3}/eval/set.jsonl`]] as const) {
    const r = await kiln(['decontaminate', '--in', `${root}/docs`, '--eval', evalSet, '--out', `${root}/clean`, '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    kept.push(JSON.parse(r.stdout).rows as number);
  }
  assert.equal(kept[1], kept[0]);
  const s = openStorage(`${s3}/clean`);
  try {
    const want = await data(openStorage(path.join(local, 'clean')));
    assert.ok(want.size > 0);
    assert.deepEqual(await data(s), want);
  } finally {
    await s.close();
  }
  assert.ok(kept[0] < (await rows(path.join(local, 'docs'))).length, 'the eval document was dropped');
});
