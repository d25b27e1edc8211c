// `kiln takedown --pipeline` SIGKILLed at 7 random moments and run again: the pipeline's data ends
// exactly as after an uninterrupted takedown — every dataset part and commit record, every shard,
// lineage file and the shards index (its takedown generation included), the dedupe index, the
// deny list and the takedown log (one line, with the counts of the uninterrupted run) — and no
// journal or temporary file is left. Only wall-clock stamps (`at`, `created_at`) are set aside:
// they record when the (last) run happened, which differs by design. The random kills mostly land
// in start-up and reading; a second test kills at each write step on purpose (the window between
// a dataset's rewrite and the journal's record of it once lost that dataset's counts and the
// rewritten token parts in the shards index's takedown generation).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, watch } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kiln } from '../cli/kiln-process.js';
import { kilnBin } from '../core/project-paths.js';
import { tempDir, writePipeline } from '../pipelines/toy-pipeline.js';
import { makePages, writeWarc } from '../takedown/site-warc.js';
import { chaos, type KillWhen, runNode } from './chaos-harness.js';
import { pipelineTail } from '../takedown/pipeline-tail.js';

/** Drops the wall-clock stamps of a JSON value (see the file comment); all else stays. */
function withoutStamps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutStamps);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'at' && k !== 'created_at').map(([k, x]) => [k, withoutStamps(x)]));
  return v;
}

/** Every file under `root`: JSON and JSONL parsed (stamps dropped), anything else by SHA-256. */
async function snapshot(root: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.json')) out[rel] = withoutStamps(JSON.parse(await fs.readFile(p, 'utf8')));
      else if (e.name.endsWith('.jsonl')) out[rel] = (await fs.readFile(p, 'utf8')).split('\n').filter((l) => l !== '').map((l) => withoutStamps(JSON.parse(l)));
      else out[rel] = createHash('sha256').update(await fs.readFile(p)).digest('hex');
    }
  };
  await walk(root);
  return out;
}

/** Files a finished takedown must not leave: its journal, atomic-write and rebuild temporaries, index swap folders, lock files. */
function leftovers(snap: Record<string, unknown>): string[] {
  return Object.keys(snap).filter((f) => /(^|\/)(runs\/td-[^/]*\.json$|\.tmp|\.old-|[^/]*\.pending|lock$)/.test(f) || /tmp/i.test(path.basename(f)));
}

/** A pipeline run once over a small archive, a pristine copy of it, and the takedown's arguments. */
async function setUp(): Promise<{ pipe: string; gen: string; args: string[]; reset: () => Promise<void> }> {
  const dir = await tempDir('kiln-chaos-takedown-');
  const pages = makePages([...['https://gone.example/1', 'https://www.gone.example/2', 'https://gone.example.org/3'], ...Array.from({ length: 40 }, (_, i) => `https://keep.example/${i}`)], 11);
  const pipe = path.join(dir, 'pipe');
  await fs.mkdir(pipe);
  writeWarc(path.join(pipe, 'site.warc'), pages);
  await writePipeline(
    pipe,
    `name: td-chaos
workdir: ./work
incremental: true
stages:
  crawl:
    stage: crawl-archive
    warc: [site.warc]
    filter: false
    extractor: plain
${pipelineTail(0.1)}`,
  );
  const run = await kiln(['run', 'pipeline.yaml'], pipe);
  assert.equal(run.code, 0, run.stderr);
  await fs.writeFile(path.join(dir, 'domains.txt'), 'gone.example\n');
  await fs.writeFile(path.join(dir, 'ids.txt'), [4, 9, 14, 20, 30].map((i) => pages[i].id).join('\n') + '\n');
  // The data holds absolute paths of itself (the dedupe index, the shards' inputs): every copy is put back at the same place.
  const pristine = path.join(dir, 'pristine');
  await fs.cp(pipe, pristine, { recursive: true });
  const reset = async (): Promise<void> => {
    await fs.rm(pipe, { recursive: true, force: true });
    await fs.cp(pristine, pipe, { recursive: true });
  };
  const gen = (await fs.readdir(path.join(pipe, 'work/generations')))[0];
  return { pipe, gen, reset, args: [kilnBin, 'takedown', '--domains', path.join(dir, 'domains.txt'), '--ids', path.join(dir, 'ids.txt'), '--pipeline', path.join(pipe, 'pipeline.yaml'), '--reason', 'chaos'] };
}

/** An uninterrupted takedown's snapshot, checked for what it must hold; leaves the pristine data back in place. */
async function reference(s: Awaited<ReturnType<typeof setUp>>): Promise<{ want: Record<string, unknown>; ms: number }> {
  const ref = await runNode(s.args);
  assert.equal(ref.code, 0, ref.stderr);
  const want = await snapshot(path.join(s.pipe, 'work'));
  assert.deepEqual(leftovers(want), []);
  const log = want['state/takedown/takedown-log.jsonl'] as Array<{ removed: unknown[]; datasets: Array<{ removed: number }>; indexes: Array<{ forgotten: number }>; shards: Array<{ rebuilt: Record<string, string> }> }>;
  assert.equal(log.length, 1);
  assert.equal(log[0].removed.length, 7, '2 pages of gone.example and 5 ids');
  assert.deepEqual(log[0].datasets.map((d) => d.removed), [7, 7, 7]);
  assert.deepEqual(log[0].indexes.map((i) => i.forgotten), [7]);
  assert.ok(Object.keys(log[0].shards[0].rebuilt).length > 0);
  const gens = (want['state/shards/index.json'] as { generations: Array<{ takedown?: unknown; inputs: unknown[] }> }).generations;
  assert.ok(gens.at(-1)!.takedown && gens.at(-1)!.inputs.length > 0, 'a takedown generation naming the rewritten token parts');
  await s.reset();
  return { want, ms: ref.ms };
}

async function check(pipe: string, want: Record<string, unknown>): Promise<void> {
  const got = await snapshot(path.join(pipe, 'work'));
  assert.deepEqual(leftovers(got), []);
  assert.deepEqual(got, want);
}

test('kiln takedown survives 7 SIGKILLs: the same datasets, shards, index, deny list and log as an uninterrupted takedown', { timeout: 900_000 }, async () => {
  const s = await setUp();
  const { want, ms } = await reference(s);
  const result = await chaos({ args: s.args, out: s.pipe, kills: 7, delays: { referenceMs: ms }, seed: 23, reset: s.reset, check: () => check(s.pipe, want) });
  assert.equal(result.kills, 7);
  process.stdout.write(`# takedown chaos: ${result.kills} kills, ${result.completions} checked completions, reference ${Math.round(ms)} ms\n`);
});

/** Kills when a file named as `match` says appears in `dir` (a rename into place, or a creation). */
function killOnFile(dir: string, match: RegExp): KillWhen {
  return (kill) => {
    const w = watch(dir, (_event, name) => {
      if (name && match.test(name)) kill();
    });
    return () => w.close();
  };
}

test('kiln takedown killed at each write step (each dataset rewritten, index forget, shard rebuilt, log written) ends as an uninterrupted takedown', { timeout: 900_000 }, async () => {
  const s = await setUp();
  const { want } = await reference(s);
  const work = path.join(s.pipe, 'work');
  const steps: Array<[string, string, RegExp]> = [
    ['crawl rewritten', path.join(work, 'generations', s.gen, 'crawl'), /^part-.*\.parquet$/],
    ['dedupe rewritten', path.join(work, 'generations', s.gen, 'dedupe'), /^part-.*\.parquet$/],
    ['tokenize rewritten', path.join(work, 'generations', s.gen, 'tokenize'), /^part-.*\.parquet$/],
    ['index forgetting', path.join(work, 'state/dedupe-index'), /^\.tmp-forget-/],
    ['shard rebuilt', path.join(work, 'state/shards'), /^(train|val)-.*\.arrow$/],
    ['log written', path.join(work, 'state/takedown'), /^takedown-log\.jsonl$/],
  ];
  for (const [what, dir, match] of steps) {
    await fs.mkdir(dir, { recursive: true });
    const end = await runNode(s.args, {}, killOnFile(dir, match));
    assert.ok(end.killedByUs, `${what}: the kill did not land (exit ${end.code}): ${end.stderr}`);
    const rerun = await runNode(s.args);
    assert.equal(rerun.code, 0, `${what}: ${rerun.stderr}`);
    await check(s.pipe, want);
    await s.reset();
  }
});
