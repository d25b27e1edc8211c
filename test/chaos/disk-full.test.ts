import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readCommits } from '../../core/commit-record.js';
import { TaskFailedError } from '../../core/errors.js';
import { listInputFiles, readDocuments, readInputRows } from '../../core/input-files.js';
import { runStage } from '../../core/run-stage.js';
import { writeJsonlCorpus } from '../core/corpus.js';
import { toyStage } from '../core/toy-stage.js';

process.env.KILN_LOG = 'silent';

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function rows(out: string): Promise<string[]> {
  const all: string[] = [];
  for await (const d of readDocuments([out])) all.push(`${d.id}\t${d.text}`);
  return all.sort();
}

// A real full disk: a tmpfs mounted with a tiny size (needs root, as CI and the dev machines run).
test('disk full (ENOSPC): clear error, nothing partial committed, resume succeeds once space returns', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-enospc-'));
  const inputs = await writeJsonlCorpus(path.join(dir, 'in'), 2, 3000, 11);
  const reference = path.join(dir, 'reference');
  await runStage(toyStage, { inputs, out: reference, workers: 1, quiet: true });
  const mnt = path.join(dir, 'mnt');
  await fs.mkdir(mnt);
  if (!tryMount(mnt, '160k')) return t.skip('cannot mount a tmpfs here (not root): disk-full test skipped');
  try {
    const out = path.join(mnt, 'out');
    const err = await runStage(toyStage, { inputs, out, workers: 1, quiet: true }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TaskFailedError, `expected a task failure, got ${String(err)}`);
    assert.match((err as Error).message, /ENOSPC/);
    // Every committed part is whole: sizes match the records and every row decodes.
    const committed = await readCommits(out);
    assert.ok(committed.length > 0, 'some chunks fit before the disk filled');
    for (const f of await listInputFiles([out])) for await (const _ of readInputRows(f)) void _;
    // No temp file left behind.
    assert.deepEqual((await fs.readdir(out)).filter((n) => n.startsWith('.')), []);
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    const s = await runStage(toyStage, { inputs, out, workers: 1, quiet: true });
    assert.equal(s.stopped, false);
    assert.deepEqual(await rows(out), await rows(reference));
  } finally {
    execFileSync('umount', [mnt]);
  }
});
