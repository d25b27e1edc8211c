import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { projectRoot } from '../core/project-paths.js';

/** A copy of the built package with one module removed, as a broken install would be. */
function brokenBuild(missing: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kiln-broken-'));
  for (const dir of ['cli', 'core', 'crawl', 'dedupe', 'pipelines', 'shard', 'tokenize', 'train']) cpSync(path.join(projectRoot, 'dist', dir), path.join(root, 'dist', dir), { recursive: true });
  copyFileSync(path.join(projectRoot, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
  rmSync(path.join(root, 'dist', missing));
  return root;
}

const importFrom = (root: string, file: string) => import(pathToFileURL(path.join(root, 'dist', file)).href);

test('a missing command file fails `kiln --help` loudly instead of dropping the command', () => {
  const root = brokenBuild('cli/commands/inspect.js');
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli/bin.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kiln: ERR_MODULE_NOT_FOUND: .*inspect\.js/);
});

test('crawl --warc with the archive crawler missing names the missing module (not "not available in this build")', () => {
  const root = brokenBuild('crawl/archive/archive-stage.js');
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli/bin.js'), 'crawl', '--warc', 'a.warc.gz', '--out', path.join(root, 'out')], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /ERR_MODULE_NOT_FOUND: .*archive-stage\.js/);
});

test('the live page filter does not quietly become "keep everything" when the shared pipeline is missing', async () => {
  const root = brokenBuild('crawl/archive/document-pipeline.js');
  await assert.rejects(async () => (await importFrom(root, 'crawl/live/page-filter.js')).loadPageFilter({ filter: true, languages: ['en'] }), /document-pipeline\.js/);
});

test('the main-text extractor does not quietly become plain text when crawl/extract is missing', async () => {
  const root = brokenBuild('crawl/extract/index.js');
  const mod = await importFrom(root, 'crawl/live/page-text.js');
  await assert.rejects(mod.loadExtractor(), /extract\/index\.js/);
});

test('a built-in stage that fails to load fails the registry instead of vanishing from it', async () => {
  const root = brokenBuild('tokenize/stage.js');
  const mod = await importFrom(root, 'pipelines/builtin-stages.js');
  await assert.rejects(mod.loadBuiltinStages(), /tokenize\/stage\.js/);
});

test('train --sample with the tokenize stage missing fails with the import error', async () => {
  const root = brokenBuild('tokenize/load.js');
  const mod = await importFrom(root, 'cli/commands/train.js');
  await assert.rejects(mod.loadTokenizer('gpt2'), /tokenize\/load\.js/);
});
