import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { projectRoot } from '../core/project-paths.js';

test('npm pack ships the library and the CLI, not the tests or benchmarks', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  assert.ok(files.includes('dist/cli/bin.js'), 'dist/cli/bin.js is packed');
  assert.ok(files.includes('dist/index.js'), 'dist/index.js is packed');
  assert.deepEqual(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/bench/')), []);
});
