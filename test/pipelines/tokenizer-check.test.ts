// A pipeline whose tokenize stage names no tokenizer (a typo, a missing file) fails when it is
// loaded, before any stage runs, naming the stage key and the value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { kilnBin } from '../core/project-paths.js';

function kiln(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [kilnBin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, KILN_LOG: 'silent' } });
}

async function pipeline(work: string, file: string, tokenizer: string): Promise<void> {
  const yaml = ['name: typo', 'workdir: ./out', 'stages:', '  dedupe:', '    inputs: [./docs]', '  tok:', '    stage: tokenize', `    tokenizer: ${JSON.stringify(tokenizer)}`, ''].join('\n');
  await fs.writeFile(path.join(work, file), yaml);
}

test('kiln run (and --dry-run) refuses an unknown tokenizer before any stage runs', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-pipeline-tokenizer-'));
  await fs.mkdir(path.join(work, 'docs'));
  await fs.writeFile(path.join(work, 'docs', 'a.jsonl'), JSON.stringify({ id: 'a', text: 'some text to dedupe and tokenize' }) + '\n');

  await pipeline(work, 'typo.yaml', 'gtp2');
  for (const args of [['run', '--dry-run', 'typo.yaml'], ['run', 'typo.yaml']]) {
    const r = kiln(work, args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^kiln: KILN_CONFIG: .*typo\.yaml:8: stages\.tok\.tokenizer: unknown tokenizer "gtp2": not one of gpt2, /m);
  }
  assert.equal(existsSync(path.join(work, 'out', 'dedupe')), false, 'the stage before tokenize did not run');

  // A path relative to the pipeline file is checked where the stage would read it.
  await pipeline(work, 'missing.yaml', './tok/tokenizer.json');
  const missing = kiln(work, ['run', '--dry-run', 'missing.yaml']);
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, new RegExp(`stages\\.tok\\.tokenizer: unknown tokenizer "${path.join(work, 'tok', 'tokenizer.json').replace(/[.\\/]/g, '\\$&')}"`));

  await pipeline(work, 'ok.yaml', 'cl100k_base');
  const ok = kiln(work, ['run', '--dry-run', 'ok.yaml']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /tok/);
  await fs.rm(work, { recursive: true, force: true });
});
