// The chaos harness counts only its own SIGKILLs as landed kills: a child that dies of a signal
// the harness did not send (a crash: SIGABRT, SIGSEGV) fails the run, even when a rerun passes.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chaos } from './chaos-harness.js';

/** A node -e script that runs `first` on its first start only (a marker file remembers) and exits 0 on later starts. */
function firstRunThen(marker: string, first: string): string {
  const m = JSON.stringify(marker);
  return `const fs = require('node:fs'); if (!fs.existsSync(${m})) { fs.writeFileSync(${m}, ''); ${first} }`;
}

for (const [name, crash] of [
  ['SIGABRT', 'process.abort();'],
  ['SIGSEGV', "process.kill(process.pid, 'SIGSEGV');"],
] as const) {
  test(`a child that dies of ${name} fails the chaos run instead of counting as a kill`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-harness-'));
    try {
      const args = ['-e', firstRunThen(path.join(dir, 'started'), crash)];
      // The kill delay is far beyond the crash, so no kill of the harness's can land first.
      const run = chaos({ args, out: path.join(dir, 'out'), kills: 1, delays: { minMs: 20_000, maxMs: 20_001 }, check: async () => {} });
      await assert.rejects(run, new RegExp(`died of ${name}, which the harness did not send`));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('the harness own SIGKILL counts as a landed kill', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-harness-'));
  try {
    const args = ['-e', firstRunThen(path.join(dir, 'started'), 'setTimeout(() => {}, 60_000);')];
    let checks = 0;
    const r = await chaos({ args, out: path.join(dir, 'out'), kills: 1, delays: { minMs: 300, maxMs: 301 }, check: async () => void checks++ });
    assert.deepEqual(r, { kills: 1, completions: 1 });
    assert.equal(checks, 1);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
