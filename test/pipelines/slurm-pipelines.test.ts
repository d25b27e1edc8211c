// Whole pipelines on the 3-node Slurm cluster (`bash .ci/slurm.sh start`) against the local
// executor: the quickstart pipeline, and WARC -> dedupe -> tokenize -> shard over the shared
// WARC files. Every stage's data must be the same bytes whichever executor ran it, and every
// array phase must really spread over the nodes. (A tokenize task cancelled mid-run and run again
// is slurm.test.ts's; a task of each dedupe phase SIGKILLed is slurm-dedupe.test.ts's.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { readInputRows, listInputFiles } from '../../core/input-files.js';
import { hostTask } from '../../crawl/live/host-partition.js';
import { startDemoSite, type DemoSite } from '../../pipelines/examples/demo-site.js';
import { QUICKSTART_YAML } from '../../pipelines/examples/quickstart.js';
import { runPipeline } from '../../pipelines/runner.js';
import type { StageReport } from '../../pipelines/stage-report.js';
import { requireSharedData } from '../core/project-paths.js';
import { sacctNodes, slurmTest } from './slurm-cluster.js';
import { tempDir, writePipeline } from './toy-pipeline.js';

process.env.KILN_LOG = 'silent';
// Slurm jobs inherit this environment; no coverage files from the compute nodes' processes.
delete process.env.NODE_V8_COVERAGE;

// Two CPUs an element on nodes of 4 (.ci/slurm.sh): a node runs two elements at once, so five of
// the six running together span three nodes, also while another test's job holds CPUs on one.
const SLURM = { tasks: 6, parallelism: 6, poll_seconds: 0.3, cpus_per_task: 2 };

/**
 * The address this machine has on the cluster's network: slurmctld's (`SlurmctldHost[0] =
 * vm(10.199.0.1)`). Compute nodes live in their own network namespaces, where 127.0.0.1 is the
 * node itself, so a site the crawl stage fetches on a node must listen here.
 */
function clusterFacingAddress(): string {
  const out = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout;
  const addr = /SlurmctldHost\[0\]\s*=\s*[^(\s]*\(([\d.]+)\)/.exec(out)?.[1] ?? /SlurmctldAddr\s*=\s*([\d.]+)/.exec(out)?.[1];
  assert.ok(addr, `no slurmctld address in scontrol show config: ${out.slice(0, 300)}`);
  return addr;
}

/** Every file under `dir`, by relative path. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  async function walk(rel: string): Promise<void> {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else files.set(r, await fs.readFile(path.join(dir, r)));
    }
  }
  await walk('');
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Run bookkeeping, not data, so not compared byte for byte: `_kiln/commits/*` and `_kiln/done/*`
 * (per task: commit and finish times, seconds taken), `_kiln/dataset.json` (the absolute input
 * paths and their fingerprint, creation time), and the live crawl's `_kiln/crawl/lock.mdb`
 * (LMDB's reader table: the pids and slots of the processes that opened the crawl store; its
 * data.mdb is compared). SUCCESS.json and the JSON records below are compared field by field.
 */
const BOOKKEEPING = /^_kiln\/(commits|done)\/|^_kiln\/dataset\.json$|^_kiln\/crawl\/(task-\d+\/)?lock\.mdb$/;
/** JSON files compared field by field (see jsonDiffs), not byte for byte. */
const FIELDWISE = /^index\.json$|^_kiln\/SUCCESS\.json$|^_kiln\/dedupe\/run\.json$|^_kiln\/shard\/index-g\d+\.json$/;

/** The leaf paths (`a.b[2].c`) where two JSON values differ. */
function jsonDiffs(a: unknown, b: unknown, at = ''): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => jsonDiffs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

/** The value at a path jsonDiffs returned. */
function valueAt(v: unknown, p: string): unknown {
  for (const k of p.match(/[^.[\]]+/g) ?? []) v = (v as Record<string, unknown> | undefined)?.[k];
  return v;
}

/**
 * Why a JSON field may differ between the two runs, or undefined when it must not:
 * - created_at / createdAt / finishedAt: the wall-clock time each run wrote the record;
 * - seconds: how long the stage took (another machine, another load);
 * - generation (dedupe's run.json): a fresh random id per run, naming its index generation;
 * - a path: equal once each run's own root folder is replaced by `<root>` (the records name the
 *   absolute input parts, which live under each run's own temp folder);
 * - configHash: the hash of the stage's config, which for crawl-archive names the run's own deny
 *   list (`<root>/state/takedown/deny-list.jsonl`); allowed only when the configs recorded in
 *   `_kiln/dataset.json` are equal once the roots are replaced (`sameConfig`);
 * - bytes (SUCCESS.json): the parts' size, only where parts are compared as rows without
 *   fetched_at (`fetchedAt`): other fetch times compress to other sizes.
 */
function allowedDiff(field: string, a: unknown, b: unknown, roots: [string, string], ctx: { sameConfig: boolean; fetchedAt: boolean }): string | undefined {
  const leaf = field.replace(/.*[.\]]/, '');
  if (['created_at', 'createdAt', 'finishedAt'].includes(leaf)) return 'time written';
  if (leaf === 'seconds') return 'duration';
  if (field === 'generation') return 'random run id';
  if (field === 'configHash' && ctx.sameConfig) return 'config names a path under the run root';
  if (field === 'bytes' && ctx.fetchedAt) return 'parts differ in fetched_at';
  if (typeof a === 'string' && typeof b === 'string' && a.startsWith(roots[0]) && b.startsWith(roots[1]) && a.slice(roots[0].length) === b.slice(roots[1].length)) return 'path under the run root';
  return undefined;
}

/**
 * Asserts a stage's output from the Slurm run equals the local run's: same files, each data file
 * the same bytes, each JSON record equal apart from the fields allowedDiff justifies. `rowsEqual`
 * compares parts as rows minus named columns where the bytes cannot match (see its caller).
 * Returns the differing JSON fields, by file, so the caller can pin them exactly.
 */
async function assertSameOutput(stage: string, local: string, slurm: string, roots: [string, string], rowsEqual?: { columns: string[] }): Promise<Record<string, string[]>> {
  const [a, b] = [await filesUnder(local), await filesUnder(slurm)];
  const names = (m: Map<string, Buffer>): string[] => [...m.keys()].filter((f) => !BOOKKEEPING.test(f));
  assert.deepEqual(names(b), names(a), `${stage}: the same files`);
  const config = (m: Map<string, Buffer>, root: string): unknown => (JSON.parse(m.get('_kiln/dataset.json')!.toString('utf8').split(root).join('<root>')) as { config: unknown }).config;
  const ctx = { sameConfig: JSON.stringify(config(a, roots[0])) === JSON.stringify(config(b, roots[1])), fetchedAt: !!rowsEqual };
  const differing: Record<string, string[]> = {};
  for (const name of names(a)) {
    if (FIELDWISE.test(name)) {
      const [ja, jb] = [JSON.parse(a.get(name)!.toString('utf8')) as unknown, JSON.parse(b.get(name)!.toString('utf8')) as unknown];
      const diffs = jsonDiffs(ja, jb);
      for (const d of diffs) assert.ok(allowedDiff(d, valueAt(ja, d), valueAt(jb, d), roots, ctx), `${stage}/${name}: field ${d} differs: ${JSON.stringify(valueAt(ja, d))} (local) vs ${JSON.stringify(valueAt(jb, d))} (slurm)`);
      if (diffs.length) differing[name] = [...new Set(diffs.map((d) => d.replace(/\[\d+\]/g, '[]')))].sort();
    } else if (rowsEqual && name.endsWith('.parquet')) {
      assert.deepEqual(await rowsOf(path.join(slurm, name), rowsEqual.columns), await rowsOf(path.join(local, name), rowsEqual.columns), `${stage}/${name}: rows`);
    } else {
      assert.ok(a.get(name)!.equals(b.get(name)!), `${stage}/${name}: ${a.get(name)!.length} bytes (local) vs ${b.get(name)!.length} (slurm) differ`);
    }
  }
  return differing;
}

/** Fields that may happen to be equal in both runs (a size or a duration can coincide). */
const MAY_MATCH = new Set(['bytes', 'seconds']);

/** Asserts the JSON fields that differ are exactly `expected`, by stage and file, give or take MAY_MATCH fields left equal. */
function assertDiffs(differing: Record<string, Record<string, string[]>>, expected: Record<string, Record<string, string[]>>): void {
  for (const [stage, files] of Object.entries(expected)) {
    for (const [file, fields] of Object.entries(files)) {
      const got = differing[stage]?.[file] ?? [];
      assert.deepEqual(got.filter((f) => !fields.includes(f)), [], `${stage}/${file}: fields differ that are not expected to`);
      assert.deepEqual(fields.filter((f) => !got.includes(f) && !MAY_MATCH.has(f)), [], `${stage}/${file}: fields expected to differ (a time, a path) are equal: the comparison is not comparing`);
    }
    assert.deepEqual(Object.keys(differing[stage] ?? {}).filter((f) => !(f in files)), [], `${stage}: files with differing fields`);
  }
}

/** The rows of one part, in order, without `drop` columns. */
async function rowsOf(file: string, drop: string[]): Promise<unknown[]> {
  const [input] = await listInputFiles([file]);
  const rows: unknown[] = [];
  for await (const row of readInputRows(input)) rows.push(Object.fromEntries(Object.entries(row).filter(([k]) => !drop.includes(k))));
  return rows;
}

/** A report's stage keys and statuses, its documents and tokens out (shard's are in its stats). */
function summary(reports: StageReport[]): Array<[string, string, number, number | undefined]> {
  return reports.map((r) => [r.key, r.status, r.docsOut, r.tokens]);
}

/** The submitted jobs of the one Slurm run in `workdir`: per stage, each job's role, phase and id. */
async function slurmJobs(workdir: string): Promise<Map<string, Array<{ role: string; phase?: string; id: string }>>> {
  const runs = await fs.readdir(path.join(workdir, '_pipeline/slurm'));
  assert.equal(runs.length, 1, `one Slurm run in ${workdir}: ${runs.join(' ')}`);
  const jobs = JSON.parse(await fs.readFile(path.join(workdir, '_pipeline/slurm', runs[0], 'jobs.json'), 'utf8')) as { stages: Array<{ stage: string; jobs: Array<{ role: string; phase?: string; id: string }> }> };
  return new Map(jobs.stages.map((s) => [s.stage, s.jobs]));
}

/** Distinct nodes the elements of array job `id` (of `elements` elements) ran on, per sacct. */
async function nodesOf(id: string, elements: number): Promise<Set<string>> {
  return new Set([...(await sacctNodes(id, elements)).values()].map((e) => e.node));
}

slurmTest('quickstart pipeline: the Slurm executor on 3 nodes writes what the local executor writes at every stage', async () => {
  // The site listens where the compute nodes reach it; both runs crawl the same URL, so the
  // documents' url fields are the same.
  const site = await startDemoSite({ host: clusterFacingAddress(), port: 0 });
  const dirs = [await tempDir('kiln-qs-local-'), await tempDir('kiln-qs-slurm-')];
  try {
    const doc = parse(await fs.readFile(QUICKSTART_YAML, 'utf8')) as { workdir: string; stages: Record<string, Record<string, unknown>>; executor?: string; slurm?: unknown };
    doc.stages.crawl.urls = (doc.stages.crawl.urls as string[]).map((u) => u.replace('{{site}}', site.url));
    doc.stages.crawl.sitemaps = (doc.stages.crawl.sitemaps as string[]).map((u) => u.replace('{{site}}', site.url));
    // The live crawl writes pages in the order their fetches complete: with 8 at once that is a
    // race on any executor, which would reorder every later stage's bytes. One at a time, the
    // order is the frontier's, so the later stages can be compared byte for byte.
    doc.stages.crawl.perHostConcurrency = 1;
    // One training step (`kiln quickstart --steps 1`): train runs as one job on the cluster; its
    // model is not part of the comparison (its data, the shards, are).
    doc.stages.train.steps = 1;
    const local = await writePipeline(dirs[0], stringify(doc));
    const slurm = await writePipeline(dirs[1], stringify({ ...doc, executor: 'slurm', slurm: { parallelism: 6, poll_seconds: 0.3 } }));
    const l = await runPipeline(local, { quiet: true });
    const s = await runPipeline(slurm, { quiet: true });
    assert.equal(s.executor, 'slurm');
    assert.deepEqual(summary(s.reports), summary(l.reports));
    assert.deepEqual(s.reports.map((r) => r.status), ['ran', 'ran', 'ran', 'ran', 'ran']);
    assert.ok(l.reports[0].docsOut >= 100, `the crawl found the demo site's pages: ${l.reports[0].docsOut}`);
    const roots = dirs as [string, string];
    // fetched_at is the wall-clock time of each fetch: the one column of the crawled documents
    // (and of dedupe's kept copies of them) that two crawls cannot share. Every other column,
    // row for row, is equal.
    const fetched = { columns: ['fetched_at'] };
    const differing: Record<string, Record<string, string[]>> = {};
    differing.crawl = await assertSameOutput('crawl', path.join(dirs[0], 'crawl'), path.join(dirs[1], 'crawl'), roots, fetched);
    differing.dedupe = await assertSameOutput('dedupe', path.join(dirs[0], 'dedupe'), path.join(dirs[1], 'dedupe'), roots, fetched);
    differing.tokenize = await assertSameOutput('tokenize', path.join(dirs[0], 'tokenize'), path.join(dirs[1], 'tokenize'), roots);
    differing.shard = await assertSameOutput('shard', path.join(dirs[0], 'shard'), path.join(dirs[1], 'shard'), roots);
    // Exactly these fields differ, each for the reason allowedDiff gives.
    assertDiffs(differing, EXPECTED_QUICKSTART_DIFFS);
    // Train ran as one task on the cluster (it is one process), then the finalize job that
    // every stage ends with writes its SUCCESS record.
    const train = (await slurmJobs(dirs[1])).get('train')!;
    assert.deepEqual(train.map((j) => j.role), ['array', 'finalize']);
    assert.equal((await nodesOf(train[0].id, 1)).size, 1);
  } finally {
    await site.close();
  }
});

/** What differs in a shard index: when each run wrote it, and the input parts it names under each run's root. */
const INDEX_DIFFS = ['generations[].created_at', 'generations[].inputs[].path'];

/** The JSON fields of the quickstart's outputs that differ between the executors (see allowedDiff). */
const EXPECTED_QUICKSTART_DIFFS: Record<string, Record<string, string[]>> = {
  crawl: { '_kiln/SUCCESS.json': ['bytes', 'finishedAt', 'seconds'] },
  dedupe: { '_kiln/SUCCESS.json': ['bytes', 'finishedAt', 'seconds'], '_kiln/dedupe/run.json': ['generation'] },
  tokenize: { '_kiln/SUCCESS.json': ['finishedAt', 'seconds'] },
  shard: { '_kiln/SUCCESS.json': ['finishedAt', 'seconds'], 'index.json': INDEX_DIFFS, '_kiln/shard/index-g0000.json': INDEX_DIFFS },
};

/** The shared WARC files the WARC pipeline reads: real crawls, ~2 MB (every WARC/WET with pages). */
const WARC_FILES = ['dolma/sample-0000.warc.gz', 'resiliparse/warcfile.warc.gz', 'pywb/iana.warc.gz', 'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz', 'ukwa/IAH-urls-wget.warc.gz', 'copycat/clueweb12-0000tw-00.warc.gz', 'cc_net/sample.warc.wet', 'commoncrawl-whirlwind/whirlwind.warc.gz'];

/** WARC -> dedupe -> tokenize -> shard with 6 tasks a stage (every phase of dedupe too), as YAML. */
function warcPipeline(warcDir: string, slurm: boolean): string {
  return stringify({
    name: 'warc',
    workdir: './work',
    ...(slurm ? { executor: 'slurm', slurm: SLURM } : {}),
    stages: {
      // No quality filters: every page of these small files is a document to carry through.
      crawl: { stage: 'crawl-archive', inputs: WARC_FILES.map((f) => path.join(warcDir, f)), tasks: 6, filter: false },
      dedupe: { tasks: 6, threshold: 0.8 },
      tokenize: { tasks: 6, tokenizer: 'gpt2' },
      // Small shards (~8 of the train split): shard's pack phase has a task per shard range.
      shard: { tasks: 6, seqLen: 64, valFraction: 0.05, shardBytes: 32_768 },
    },
  });
}

/** The WARC pipeline run by each executor (once, shared by the tests below). */
let warcRuns: Promise<{ dirs: [string, string]; local: StageReport[]; slurm: StageReport[] }> | undefined;
function runWarcPipelines(warcDir: string): typeof warcRuns & object {
  warcRuns ??= (async () => {
    const dirs: [string, string] = [await tempDir('kiln-warc-local-'), await tempDir('kiln-warc-slurm-')];
    const local = await runPipeline(await writePipeline(dirs[0], warcPipeline(warcDir, false)), { quiet: true });
    const slurm = await runPipeline(await writePipeline(dirs[1], warcPipeline(warcDir, true)), { quiet: true });
    return { dirs: [path.join(dirs[0], 'work'), path.join(dirs[1], 'work')] as [string, string], local: local.reports, slurm: slurm.reports };
  })();
  return warcRuns;
}


slurmTest('WARC -> dedupe -> tokenize -> shard on the shared WARC files: the Slurm executor writes what the local executor writes at every stage', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const { dirs, local, slurm } = await runWarcPipelines(warcDir);
  assert.deepEqual(summary(slurm), summary(local));
  assert.deepEqual(slurm.map((r) => r.status), ['ran', 'ran', 'ran', 'ran']);
  assert.ok(local[0].docsOut >= 50 && local[1].docsOut < local[0].docsOut, `pages read, duplicates removed: ${JSON.stringify(summary(local))}`);
  const differing: Record<string, Record<string, string[]>> = {};
  for (const stage of ['crawl', 'dedupe', 'tokenize', 'shard']) differing[stage] = await assertSameOutput(stage, path.join(dirs[0], stage), path.join(dirs[1], stage), dirs);
  assertDiffs(differing, EXPECTED_WARC_DIFFS);
});

/** The JSON fields of the WARC pipeline's outputs that differ between the executors (see allowedDiff). */
const EXPECTED_WARC_DIFFS: Record<string, Record<string, string[]>> = {
  crawl: { '_kiln/SUCCESS.json': ['configHash', 'finishedAt', 'seconds'] },
  dedupe: { '_kiln/SUCCESS.json': ['finishedAt', 'seconds'], '_kiln/dedupe/run.json': ['generation'] },
  tokenize: { '_kiln/SUCCESS.json': ['finishedAt', 'seconds'] },
  shard: { '_kiln/SUCCESS.json': ['finishedAt', 'seconds'], 'index.json': INDEX_DIFFS, '_kiln/shard/index-g0000.json': INDEX_DIFFS },
};

slurmTest('WARC pipeline on Slurm: dedupe signatures and filter, crawl and tokenize are arrays whose tasks ran on >= 3 nodes, each with work', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const { dirs } = await runWarcPipelines(warcDir);
  const jobs = await slurmJobs(dirs[1]);
  // Every task of these arrays had input: each committed its part (an element beyond a stage's
  // own plan exits at once, which would make "ran on 3 nodes" say nothing).
  for (const stage of ['crawl', 'dedupe', 'tokenize']) {
    const done = await fs.readdir(path.join(dirs[1], stage, '_kiln/done'));
    assert.equal(done.length, 6, `${stage}: 6 tasks did work: ${done.join(' ')}`);
  }
  const dedupe = jobs.get('dedupe')!;
  const arrays = dedupe.filter((j) => j.role === 'array');
  // A buckets phase (band ranges, between signatures and clusters) is checked as the others.
  assert.deepEqual(arrays.map((j) => j.phase).filter((p) => p !== 'buckets'), ['signatures', 'clusters', 'filter'], 'dedupe phases');
  for (const a of arrays) {
    if (a.phase === 'clusters') {
      // Union-find over the candidate pairs: one task by nature.
      assert.equal((await nodesOf(a.id, 1)).size, 1);
      continue;
    }
    const nodes = await nodesOf(a.id, 6);
    assert.ok(nodes.size >= 3, `dedupe ${a.phase}: 6 tasks ran on ${[...nodes].join(',')}`);
  }
  for (const stage of ['crawl', 'tokenize']) {
    const [array] = jobs.get(stage)!.filter((j) => j.role === 'array');
    const nodes = await nodesOf(array.id, 6);
    assert.ok(nodes.size >= 3, `${stage}: 6 tasks ran on ${[...nodes].join(',')}`);
  }
});

slurmTest('WARC pipeline on Slurm: shard runs as phases (scatter, pack) whose array tasks ran on >= 3 nodes', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const { dirs } = await runWarcPipelines(warcDir);
  const shard = (await slurmJobs(dirs[1])).get('shard')!;
  const arrays = shard.filter((j) => j.role === 'array' && j.phase);
  assert.ok(arrays.some((j) => j.phase === 'scatter') && arrays.some((j) => j.phase === 'pack'), `shard ran as ${shard.map((j) => `${j.phase ?? ''}${j.phase ? '-' : ''}${j.role}`).join(', ')}, not as scatter/pack phase arrays`);
  for (const a of arrays.filter((j) => j.phase === 'scatter' || j.phase === 'pack')) {
    const nodes = await nodesOf(a.id, 6);
    assert.ok(nodes.size >= 3, `shard ${a.phase}: 6 tasks ran on ${[...nodes].join(',')}`);
  }
});

slurmTest('live crawl split by host into 3 tasks: the Slurm array writes what the local executor writes, one host a task, on >= 2 nodes', async () => {
  // One site per task: sites on new ports until each of the 3 tasks owns one (ports are random).
  const all: DemoSite[] = [];
  const owner = new Map<number, DemoSite>();
  try {
    while (owner.size < 3) {
      const site = await startDemoSite({ host: clusterFacingAddress(), port: 0, articles: 20 });
      all.push(site);
      const task = hostTask(new URL(site.url).host, 3);
      if (!owner.has(task)) owner.set(task, site);
    }
    const sites = [...owner.values()];
    // One request at a time in each task: each task's pages are then written in its frontier's
    // order, on any executor, so the outputs can be compared byte for byte.
    const crawl = { urls: sites.map((s) => `${s.url}/`), allowPrivate: true, perHostDelayMs: 0, perHostConcurrency: 1, concurrency: 1, tasks: 3, maxPages: 300 };
    const yaml = (slurm: boolean): string => stringify({ name: 'split-crawl', workdir: '.', ...(slurm ? { executor: 'slurm', slurm: SLURM } : {}), stages: { crawl } });
    const dirs: [string, string] = [await tempDir('kiln-split-local-'), await tempDir('kiln-split-slurm-')];
    const l = await runPipeline(await writePipeline(dirs[0], yaml(false)), { quiet: true });
    const s = await runPipeline(await writePipeline(dirs[1], yaml(true)), { quiet: true });
    assert.deepEqual(summary(s.reports), summary(l.reports));
    assert.ok(l.reports[0].docsOut >= 3 * 20, `every site's articles: ${l.reports[0].docsOut}`);
    // Each task wrote the pages of its own host only.
    const parts = (await fs.readdir(path.join(dirs[0], 'crawl'))).filter((f) => f.endsWith('.parquet'));
    for (const part of parts) {
      const task = Number(/^part-(\d+)-/.exec(part)![1]);
      for (const row of (await rowsOf(path.join(dirs[0], 'crawl', part), ['text'])) as Array<{ url: string }>) assert.equal(row.url.startsWith(`${owner.get(task)!.url}/`), true, `${part}: ${row.url}`);
    }
    assertDiffs({ crawl: await assertSameOutput('crawl', path.join(dirs[0], 'crawl'), path.join(dirs[1], 'crawl'), dirs, { columns: ['fetched_at'] }) }, { crawl: { '_kiln/SUCCESS.json': ['bytes', 'finishedAt', 'seconds'] } });
    const [array] = (await slurmJobs(dirs[1])).get('crawl')!.filter((j) => j.role === 'array');
    const nodes = await nodesOf(array.id, 3);
    assert.ok(nodes.size >= 2, `the crawl's 3 tasks ran on ${[...nodes].join(',')}`);
  } finally {
    for (const site of all) await site.close();
  }
});
