import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeManifest } from '../../core/dataset-manifest.js';
import { DOCUMENT_COLUMNS } from '../../core/columns.js';

const run = promisify(execFile);
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-run.js');
const GB = Number(process.env.KILN_MEMORY_TEST_GB ?? 1);

test(`${GB} GB of documents through the writer and back with flat memory (peak RSS < 400 MB)`, { timeout: 900_000 }, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-mem-'));
  // A minimal manifest makes the directory a kiln dataset, so reading goes through commits.
  await writeManifest(dir, { format: 1, stage: 'memory-test', module: '', config: {}, configHash: '', inputs: [], inputFingerprint: '', taskCount: 1, tasks: [], columns: [...DOCUMENT_COLUMNS], createdAt: '' });
  try {
    const { stdout } = await run(process.execPath, [child, dir, String(GB)], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as { docs: number; written: number; readDocs: number; readChars: number; peakMb: number };
    assert.ok(r.written >= GB * 1e9);
    assert.equal(r.readDocs, r.docs);
    assert.equal(r.readChars, r.written);
    assert.ok(r.peakMb < 400, `peak RSS ${r.peakMb.toFixed(0)} MB`);
    process.stdout.write(`# ${GB} GB: ${r.docs} docs, peak RSS ${r.peakMb.toFixed(0)} MB\n`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
