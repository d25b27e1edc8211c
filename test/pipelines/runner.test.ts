import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigChangedError } from '../../core/errors.js';
import { readSuccess } from '../../core/dataset-manifest.js';
import { listGenerations } from '../../pipelines/generations.js';
import { pipelineStatus } from '../../pipelines/pipeline-status.js';
import { readRunRecords } from '../../pipelines/run-log.js';
import { runPipeline } from '../../pipelines/runner.js';
import { createRegistry } from '../../pipelines/stage-registry.js';
import { projectRoot, readSorted, tempDir, toyModule, toyPipelineYaml, writePipeline } from './toy-pipeline.js';
import { toyDedupe, toySource, toyUpper } from './toy-stages.js';

process.env.KILN_LOG = 'silent';
const noBuiltins = createRegistry([]);

test('stages run in order, each reading the previous output; a second run skips them all', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 30, tasks: 3 }));
  const first = await runPipeline(file, { registry: noBuiltins, quiet: true });
  assert.equal(first.status, 'ok');
  assert.deepEqual(first.reports.map((r) => [r.key, r.status, r.docsOut]), [['source', 'ran', 30], ['upper', 'ran', 30]]);
  assert.equal(first.reports[1].docsIn, 30);
  const upper = await readSorted(path.join(dir, 'work/upper'));
  const source = await readSorted(path.join(dir, 'work/source'));
  assert.deepEqual(upper, source.map((d) => ({ id: d.id, text: d.text.toUpperCase() })));

  const started = Date.now();
  const second = await runPipeline(file, { registry: noBuiltins, quiet: true });
  assert.deepEqual(second.reports.map((r) => r.status), ['skipped', 'skipped']);
  assert.ok(Date.now() - started < 5000, `skip took ${Date.now() - started} ms`);
  const runs = await readRunRecords(path.join(dir, 'work/_pipeline'));
  assert.deepEqual(runs.map((r) => r.status), ['ok', 'ok']);
});

test('--dry-run prints the plan and runs nothing; --stage runs one stage', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 8, tasks: 2 }));
  const dry = await runPipeline(file, { registry: noBuiltins, dryRun: true });
  assert.equal(dry.status, 'planned');
  assert.match(dry.planText.join('\n'), /source .*\(no input\) -> .*work\/source: run \(2 tasks\)/);
  assert.match(dry.planText.join('\n'), /upper .*work\/source -> .*work\/upper: run/);
  await assert.rejects(fs.stat(path.join(dir, 'work/source')));

  const one = await runPipeline(file, { registry: noBuiltins, only: 'source', quiet: true });
  assert.deepEqual(one.reports.map((r) => [r.key, r.status]), [['source', 'ran']]);
  const plan = await runPipeline(file, { registry: noBuiltins, dryRun: true });
  assert.match(plan.planText.join('\n'), /source .*done, skipped \(8 rows/);
  const status = await pipelineStatus(file, noBuiltins);
  assert.deepEqual(status.stages.map((s) => [s.key, s.condition, s.done, s.rows]), [['source', 'done', 2, 8], ['upper', 'pending', 0, 0]]);
  const rest = await runPipeline(file, { registry: noBuiltins, quiet: true });
  assert.deepEqual(rest.reports.map((r) => [r.key, r.status]), [['source', 'skipped'], ['upper', 'ran']]);
});

test('a changed stage config is refused unless overwrite, and later stages rerun', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 6, tasks: 2 }));
  await runPipeline(file, { registry: noBuiltins, quiet: true });
  await writePipeline(dir, toyPipelineYaml({ count: 9, tasks: 2 }));
  const dry = await runPipeline(file, { registry: noBuiltins, dryRun: true });
  assert.match(dry.planText.join('\n'), /source .*config changed/);
  await assert.rejects(runPipeline(file, { registry: noBuiltins, quiet: true }), ConfigChangedError);
  const runs = await readRunRecords(path.join(dir, 'work/_pipeline'));
  assert.equal(runs.at(-1)?.status, 'failed');
  const again = await runPipeline(file, { registry: noBuiltins, quiet: true, overwrite: true });
  assert.deepEqual(again.reports.map((r) => [r.key, r.status, r.docsOut]), [['source', 'ran', 9], ['upper', 'ran', 9]]);
});

test('incremental: each run is a generation; the persistent index keeps earlier documents out', async () => {
  const dir = await tempDir();
  const registry = createRegistry([toySource, toyUpper, toyDedupe]);
  const yaml = (version: number): string => `name: inc
workdir: ./work
incremental: true
stages:
  source: { stage: toy-source, count: 12, version: ${version}, tasks: 2 }
  dedupe: {}
  upper: { stage: toy-upper }
`;
  const file = await writePipeline(dir, yaml(1));
  const g1 = await runPipeline(file, { registry, quiet: true });
  assert.equal(g1.status, 'ok');
  assert.ok(g1.generation);
  await writePipeline(dir, yaml(2));
  const g2 = await runPipeline(file, { registry, quiet: true });
  assert.notEqual(g2.generation, g1.generation);
  assert.deepEqual(await listGenerations(path.join(dir, 'work')), [g1.generation, g2.generation]);
  const first = await readSorted(path.join(dir, 'work/generations', g1.generation!, 'upper'));
  const second = await readSorted(path.join(dir, 'work/generations', g2.generation!, 'upper'));
  assert.equal(first.length, 12);
  // Only documents whose text changed (every third, see toySource) are new in generation 2.
  assert.deepEqual(second.map((d) => d.id), first.filter((d) => /-(0|3|6|9)$/.test(d.id)).map((d) => d.id));
  const texts = new Set(first.map((d) => d.text));
  assert.ok(second.every((d) => !texts.has(d.text)), 'no document of generation 2 duplicates generation 1');
  const dedupe = await readSuccess(path.join(dir, 'work/generations', g2.generation!, 'dedupe'));
  assert.equal(dedupe?.stats.dropped_seen_before, 8);
  // A third run with nothing changed makes an empty generation, not a failure.
  const g3 = await runPipeline(file, { registry, quiet: true });
  assert.equal(g3.reports.find((r) => r.key === 'upper')?.docsOut, 0);
});

test('the example custom stage runs from its example pipeline file', async () => {
  const dir = await tempDir();
  const example = path.join(projectRoot, 'pipelines/examples/custom-stage.yaml');
  // The example as shipped, pointed at a temp workdir.
  const text = (await fs.readFile(example, 'utf8')).replace(/^workdir: .*$/m, `workdir: ${JSON.stringify(path.join(dir, 'work'))}`);
  const file = await writePipeline(path.dirname(example), text, `.custom-stage-test-${process.pid}.yaml`);
  try {
    const result = await runPipeline(file, { registry: noBuiltins, quiet: true });
    const kept = await readSorted(path.join(dir, 'work/long-enough'));
    assert.deepEqual(kept.map((d) => d.id), ['a1', 'a3', 'a5']);
    assert.equal(result.reports[0].stats.dropped_too_short, 2);
  } finally {
    await fs.rm(file, { force: true });
  }
});

test('a failing stage is recorded with its failed task and the run stops there', async () => {
  const dir = await tempDir();
  const file = await writePipeline(dir, toyPipelineYaml({ count: 6, tasks: 2, failOn: 'doc-3 ' }));
  await assert.rejects(runPipeline(file, { registry: noBuiltins, quiet: true, workers: 1 }), /toy failure on document doc-3/);
  const status = await pipelineStatus(file, noBuiltins);
  const upper = status.stages.find((s) => s.key === 'upper')!;
  assert.equal(upper.failed.length, 1);
  assert.match(upper.failed[0].message, /toy failure on document doc-3/);
  assert.equal(status.lastRun?.status, 'failed');
  void toyModule;
});
