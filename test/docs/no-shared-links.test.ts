// #14 item 15: users do not have ../shared, so no document of the project points there.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../core/project-paths.js';

async function markdownFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await markdownFiles(p)));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out;
}

test('README, pipelines/README and docs/ never point at ../shared', async () => {
  // What a user reads; bench/RESULTS.md records how benchmarks were run on the project's machines.
  const files = [path.join(projectRoot, 'README.md'), path.join(projectRoot, 'pipelines/README.md'), ...(await markdownFiles(path.join(projectRoot, 'docs')))];
  for (const must of ['README.md', 'pipelines/README.md', 'docs/dependencies.md']) assert.ok(files.includes(path.join(projectRoot, must)), must);
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    const at = text.search(/\.\.\/shared\b|\/work\/shared\b/);
    assert.equal(at, -1, `${path.relative(projectRoot, file)} points at the shared folder: ${text.slice(Math.max(0, at - 40), at + 60)}`);
  }
});

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (/\.(ts|mjs|js|json|yaml|yml|sh)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

test('the library, CLI, scripts and pipeline examples never point at ../shared', async () => {
  // Tests and benches may read ../shared/data (tests through project-paths.ts, which skips or, in
  // CI, fails when it is absent); code that ships to users must not depend on it.
  const top = (await fs.readdir(projectRoot, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !['test', 'bench', 'dist', 'node_modules', 'runs', 'coverage'].includes(e.name) && !e.name.startsWith('.'))
    .map((e) => path.join(projectRoot, e.name));
  const files = (await Promise.all(top.map(sourceFiles))).flat();
  for (const must of ['cli/bin.ts', 'crawl/archive/archive-stage.ts', 'tokenize/stage.ts']) assert.ok(files.includes(path.join(projectRoot, must)), `${must} was not scanned`);
  for (const file of files) {
    const text = await fs.readFile(file, 'utf8');
    const at = text.search(/\.\.\/shared\b|\/work\/shared\b/);
    assert.equal(at, -1, `${path.relative(projectRoot, file)} points at the shared folder: ${text.slice(Math.max(0, at - 40), at + 60)}`);
  }
});
