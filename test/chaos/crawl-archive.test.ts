import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readDocuments } from '../../core/input-files.js';
import { kilnBin, requireSharedData } from '../core/project-paths.js';
import { chaos, runNode } from './chaos-harness.js';

async function docs(dir: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const d of readDocuments([dir])) rows.push(`${d.id}\t${d.warc_file}\t${d.warc_offset}\t${d.text.length}\t${d.reason ?? ''}`);
  return rows.sort();
}

/** The kept and the excluded documents (`--excluded`): both must survive the kills. */
async function both(out: string): Promise<string[][]> {
  return [await docs(out), await docs(path.join(out, 'excluded'))];
}

test('WARC ingestion survives 10 SIGKILLs: same kept and excluded documents as an uninterrupted run', { timeout: 600_000 }, async (t) => {
  const source = requireSharedData(t, 'warc');
  if (!source) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-chaos-warc-'));
  const files: string[] = [];
  for (const [i, rel] of ['pywb/iana.warc.gz', 'resiliparse/warcfile.warc.gz', 'dolma/sample-0000.warc.gz', 'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz'].entries()) {
    for (let copy = 0; copy < 2; copy++) {
      const f = path.join(dir, `in-${i}-${copy}.warc.gz`);
      await fs.copyFile(path.join(source, rel), f);
      files.push(f);
    }
  }
  const args = (out: string) => [kilnBin, 'crawl', '--warc', ...files, '--out', out, '--excluded'];
  const reference = path.join(dir, 'reference');
  const ref = await runNode(args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  const want = await both(reference);
  const [kept, excluded] = want;
  assert.ok(kept.length > 10 && excluded.length > 10 && kept.length + excluded.length > 100, `reference has ${kept.length} kept and ${excluded.length} excluded documents`);
  assert.equal(new Set([...kept, ...excluded]).size, kept.length + excluded.length);
  const out = path.join(dir, 'out');
  const r = await chaos({ args: args(out), out, kills: 10, delays: { referenceMs: ref.ms }, seed: 8, check: async () => assert.deepEqual(await both(out), want) });
  assert.equal(r.kills, 10);
  process.stdout.write(`# WARC chaos: ${r.kills} kills, ${r.completions} checked completions, ${kept.length} kept + ${excluded.length} excluded documents\n`);
});
