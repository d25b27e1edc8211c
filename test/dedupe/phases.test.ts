import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSuccess } from '../../core/dataset-manifest.js';
import { createLogger } from '../../core/log.js';
import { runStage } from '../../core/run-stage.js';
import { phaseNamed, runPhasesLocally, stagePhasesOf, type PhaseRunContext } from '../../core/stage-phases.js';
import { signatureStage } from '../../dedupe/signature-stage.js';
import { DedupeRun, DEDUPE_PHASES, type DedupeRunOptions } from '../../dedupe/dedupe-phases.js';
import { runDedupe } from '../../dedupe/dedupe-run.js';
import { statePaths } from '../../dedupe/state-files.js';
import { makeCorpus, rng, writeJsonl } from './corpus.js';

process.env.KILN_LOG = 'silent';
const ctx: PhaseRunContext = { log: createLogger(), workers: 1, quiet: true };

/** The output's Parquet parts by name, and the run's decisions: what a later stage and the index read. */
function outputFiles(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(out).filter((f) => f.endsWith('.parquet')).sort()) files.set(name, readFileSync(path.join(out, name)));
  files.set('decisions.bin', readFileSync(statePaths(out).decisions));
  return files;
}

/** Each phase call in a fresh DedupeRun, as separate processes on separate nodes would make it. */
async function phaseOf(options: DedupeRunOptions, name: string) {
  return phaseNamed((await DedupeRun.open(options)).phases(), name);
}

test('dedupe phases run task by task, out of order, repeated and interrupted, write what the one-shot dedupe writes', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-ph-'));
  try {
    const c = makeCorpus({ seed: 31, singletons: 500, exactGroups: 30, pairs: 90 });
    const inputs = writeJsonl(path.join(tmp, 'in'), c.docs, 6);
    const config = { index: path.join(tmp, 'index-a') };
    const oneShot = await runDedupe({ inputs, out: path.join(tmp, 'a'), config, tasks: 3, workers: 2, keepState: true, memory: 3e5, quiet: true });
    assert.ok(oneShot.dropped_exact > 0 && oneShot.dropped_near > 0, JSON.stringify(oneShot));

    const options: DedupeRunOptions = { inputs, out: path.join(tmp, 'b'), config: { index: path.join(tmp, 'index-b') }, tasks: 3, memory: 3e5, keepState: true };
    const rand = rng(5);
    for (const name of DEDUPE_PHASES) {
      const count = await (await phaseOf(options, name)).plan(ctx);
      assert.equal(await (await phaseOf(options, name)).plan(ctx), count, `${name}: planning again plans the same`);
      assert.equal(count, name === 'clusters' ? 1 : 3, `${name} task count`);
      // A task stopped at its first commit point (scancel's SIGTERM) is retried; every task runs twice, shuffled.
      const stop = new AbortController();
      stop.abort();
      await (await phaseOf(options, name)).runTasks([count - 1], { ...ctx, signal: stop.signal });
      const order = [...Array.from({ length: count }, (_, i) => i), ...Array.from({ length: count }, (_, i) => i)].sort(() => rand() - 0.5);
      for (const i of order) assert.equal((await (await phaseOf(options, name)).runTasks([i], ctx)).stopped, false);
      const phase = await phaseOf(options, name);
      assert.equal((await phase.finalize?.(ctx))?.stopped ?? false, false);
    }
    assert.deepEqual(outputFiles(options.out), outputFiles(path.join(tmp, 'a')));
    const gens = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')).generations.map((g: { docs: number }) => g.docs);
    assert.deepEqual(gens(path.join(tmp, 'index-b')), gens(path.join(tmp, 'index-a')));
    assert.deepEqual(gens(path.join(tmp, 'index-b')), [oneShot.kept]);
    assert.equal((await readSuccess(options.out))?.stats.kept, oneShot.kept);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the buckets phase over one band range or many, killed mid-range and resumed, keeps what the one-shot dedupe keeps', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-buckets-'));
  try {
    // Over 2048 documents at a tiny budget: each band range writes several chunks (1024 documents at least each).
    const c = makeCorpus({ seed: 41, singletons: 2300, exactGroups: 40, pairs: 120 });
    const inputs = writeJsonl(path.join(tmp, 'in'), c.docs, 4);
    const oneShot = await runDedupe({ inputs, out: path.join(tmp, 'a'), tasks: 2, workers: 1, keepState: true, memory: 3e5, quiet: true });
    assert.ok(oneShot.dropped_exact > 0 && oneShot.dropped_near > 0, JSON.stringify(oneShot));
    const rand = rng(9);
    // 14 bands + the exact hash = 15 steps: 99 asked for plans 15 ranges.
    for (const [asked, planned] of [[1, 1], [4, 4], [99, 15]]) {
      const options: DedupeRunOptions = { inputs, out: path.join(tmp, `b${asked}`), tasks: 2, phaseTasks: { buckets: asked }, memory: 3e5, keepState: true };
      for (const name of DEDUPE_PHASES) {
        const count = await (await phaseOf(options, name)).plan(ctx);
        const all = Array.from({ length: count }, (_, i) => i);
        if (name === 'buckets') {
          assert.equal(count, planned, `buckets tasks for ${asked} asked`);
          // Task 0 stops after its first committed chunk; then what a SIGKILL before the next
          // commit leaves: a renamed but uncommitted chunk, a temp dir and a stray end marker.
          const stop = new AbortController();
          const log = createLogger({}, (line) => {
            if ((JSON.parse(line) as { event: string }).event === 'dedupe_run_chunk') stop.abort();
          });
          delete process.env.KILN_LOG;
          try {
            assert.equal((await (await phaseOf(options, name)).runTasks([0], { ...ctx, log, signal: stop.signal })).stopped, true);
          } finally {
            process.env.KILN_LOG = 'silent';
          }
          const range = path.join(statePaths(options.out).buckets, 'range-000');
          assert.deepEqual(readdirSync(range).filter((f) => f.startsWith('chunk-')), ['chunk-0000']);
          mkdirSync(path.join(range, 'chunk-0001'));
          writeFileSync(path.join(range, 'chunk-0001', 'exact.run'), 'torn');
          mkdirSync(path.join(range, '.tmp-chunk-0002'));
          writeFileSync(path.join(range, 'chunks.json'), JSON.stringify({ chunks: 9 }));
        }
        for (const i of [...all, ...all].sort(() => rand() - 0.5)) assert.equal((await (await phaseOf(options, name)).runTasks([i], ctx)).stopped, false, `${name} task ${i}`);
        assert.equal((await (await phaseOf(options, name)).finalize?.(ctx))?.stopped ?? false, false);
        if (name === 'buckets') {
          const ranges = readdirSync(statePaths(options.out).buckets).filter((f) => f.startsWith('range-'));
          assert.equal(ranges.length, planned);
          for (const r of ranges) {
            const dir = path.join(statePaths(options.out).buckets, r);
            const chunks = readdirSync(dir).filter((f) => f.startsWith('chunk-'));
            assert.ok(chunks.length >= 2, `${r}: ${chunks.join(',')}`);
            assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'chunks.json'), 'utf8')), { chunks: chunks.length });
            assert.ok(!readdirSync(dir).some((f) => f.startsWith('.tmp-')), `${r} keeps no temp dir`);
          }
        }
      }
      assert.deepEqual(outputFiles(options.out), outputFiles(path.join(tmp, 'a')), `${asked} bucket tasks`);
      assert.equal((await readSuccess(options.out))?.stats.kept, oneShot.kept);
      assert.deepEqual(readFileSync(statePaths(options.out).clusterStats, 'utf8'), readFileSync(statePaths(path.join(tmp, 'a')).clusterStats, 'utf8'));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a phased dedupe whose index gained a generation after its plan refuses with KILN_INDEX_PINNED', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-dedupe-pin-'));
  try {
    const index = path.join(tmp, 'index');
    const a = writeJsonl(path.join(tmp, 'in-a'), makeCorpus({ seed: 3, singletons: 80, exactGroups: 5, pairs: 5, idPrefix: 'a' }).docs, 2);
    const b = writeJsonl(path.join(tmp, 'in-b'), makeCorpus({ seed: 4, singletons: 80, exactGroups: 5, pairs: 5, idPrefix: 'b' }).docs, 2);
    const options: DedupeRunOptions = { inputs: b, out: path.join(tmp, 'b'), config: { index }, tasks: 2, memory: 3e5 };
    const sig = await phaseOf(options, 'signatures');
    await sig.runTasks(Array.from({ length: await sig.plan(ctx) }, (_, i) => i), ctx);
    await sig.finalize!(ctx);
    // Another run adds its generation between this run's plan and its clusters task.
    await runDedupe({ inputs: a, out: path.join(tmp, 'a'), config: { index }, workers: 1, quiet: true });
    const clusters = await phaseOf(options, 'clusters');
    await assert.rejects(clusters.runTasks([0], ctx), (err: Error & { code?: string; path?: string }) => err.code === 'KILN_INDEX_PINNED' && err.path === index && /added gen-/.test(err.message));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a defineStage stage is the one-phase case: its phase run writes what runStage writes', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-one-phase-'));
  try {
    const inputs = writeJsonl(path.join(tmp, 'in'), makeCorpus({ seed: 8, singletons: 60, exactGroups: 3, pairs: 3 }).docs, 3);
    const config = { ngram: 5, permutations: 16, exactOnly: false };
    await runStage(signatureStage, { inputs, out: path.join(tmp, 'a'), config, tasks: 3, workers: 1, quiet: true });
    const stage = stagePhasesOf(signatureStage, { inputs, out: path.join(tmp, 'b'), config, tasks: 3 });
    assert.deepEqual(stage.phases.map((p) => p.name), ['tasks']);
    assert.equal((await runPhasesLocally(stage, ctx)).stopped, false);
    const sigs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => [f, readFileSync(path.join(dir, f))]);
    assert.equal(sigs(path.join(tmp, 'a')).length, 3);
    assert.deepEqual(sigs(path.join(tmp, 'b')), sigs(path.join(tmp, 'a')));
    assert.equal((await readSuccess(path.join(tmp, 'b')))?.tasks, 3);
    assert.throws(() => phaseNamed(stage, 'filter'), (err: Error & { code?: string }) => err.code === 'KILN_USAGE' && /phases: tasks/.test(err.message));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
