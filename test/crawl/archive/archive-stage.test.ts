import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../../../core/run-stage.js';
import { readDocuments } from '../../../core/input-files.js';
import { archiveCrawlStage, readWarcPathList } from '../../../crawl/archive/index.js';
import { requireSharedData } from '../../core/project-paths.js';
import { withWarcDir } from './with-warc-dir.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function docs(out: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const d of readDocuments([out])) rows.push(`${d.id} ${d.warc_file} ${d.warc_offset} ${d.text.length}`);
  return rows.sort();
}

test('archive stage: documents from several files; a truncated file fails alone, keeping its earlier records', async (t) => {
  await withWarcDir(t, 'kiln-arch-', async (warcDir, dir) => {
    const iana = path.join(warcDir, 'pywb/iana.warc.gz');
    const cut = path.join(dir, 'cut.warc.gz');
    const bytes = readFileSync(iana);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const inputs = [path.join(warcDir, 'dolma/sample-0000.warc.gz'), cut, path.join(warcDir, 'cc_net/sample.warc.wet')];
    const out = path.join(dir, 'out');
    const config = { filter: false };
    await assert.rejects(runStage(archiveCrawlStage, { inputs, out, config, workers: 1, quiet: true }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'KILN_TASK_FAILED');
      assert.match(e.message, /cut\.warc\.gz: truncated at byte \d+/);
      return true;
    });
    const got = await docs(out);
    const byFile = (f: string): number => got.filter((d) => d.includes(` ${f} `)).length;
    assert.equal(byFile(inputs[0]), 22);
    assert.equal(byFile(inputs[2]), 3);
    assert.ok(byFile(cut) > 0 && byFile(cut) < 16, 'records before the damage kept');
    // onCorrupt: skip finishes the run and counts the damaged file.
    const out2 = path.join(dir, 'out2');
    const s = await runStage(archiveCrawlStage, { inputs, out: out2, config: { filter: false, onCorrupt: 'skip' }, workers: 1, quiet: true });
    assert.equal(s.stats.warc_damaged_files, 1);
    assert.equal(s.rows, got.length);
  });
});

test('archive stage: filters count each drop under its reason, and --excluded keeps each dropped page with it', async (t) => {
  await withWarcDir(t, 'kiln-arch-', async (warcDir, dir) => {
    const inputs = [path.join(warcDir, 'dolma/sample-0000.warc.gz'), path.join(warcDir, 'resiliparse/warcfile.warc.gz')];
    const out = path.join(dir, 'o');
    const s = await runStage(archiveCrawlStage, { inputs, out, config: { excluded: true }, workers: 1, quiet: true });
    const dropped = Object.entries(s.stats).filter(([k]) => k.startsWith('dropped_'));
    assert.ok(dropped.length >= 2, JSON.stringify(s.stats));
    assert.equal(s.stats.pages, s.rows + dropped.reduce((n, [, v]) => n + v, 0));
    const kept = new Set<string>();
    for await (const d of readDocuments([out])) {
      assert.equal(d.lang, 'en');
      kept.add(d.id);
    }
    // --excluded: every dropped page is in <out>/excluded/ once, with the reason it was counted under.
    const reasons = new Map<string, number>();
    const excludedIds = new Set<string>();
    for await (const d of readDocuments([path.join(out, 'excluded')])) {
      assert.ok(!kept.has(d.id) && !excludedIds.has(d.id), `${d.id} kept or excluded twice`);
      excludedIds.add(d.id);
      reasons.set(String(d.reason), (reasons.get(String(d.reason)) ?? 0) + 1);
      assert.ok(Number(d.warc_offset) >= 0 && typeof d.text === 'string', 'provenance and text kept');
    }
    assert.deepEqual(Object.fromEntries([...reasons].map(([r, n]) => [`dropped_${r}`, n])), Object.fromEntries(dropped));
    assert.ok(existsSync(path.join(out, 'excluded', '_kiln', 'SUCCESS.json')));
    // Without --excluded there is no such dataset.
    await runStage(archiveCrawlStage, { inputs, out: path.join(dir, 'plain'), config: {}, workers: 1, quiet: true });
    assert.equal(existsSync(path.join(dir, 'plain', 'excluded')), false);
  });
});

test('archive stage: SIGKILL mid-file and a rerun give the same documents as one uninterrupted run', async (t) => {
  await withWarcDir(t, 'kiln-arch-', async (warcDir, dir) => {
    // Per-record gzip members concatenate into a valid bigger file.
    const big = path.join(dir, 'big.warc.gz');
    const iana = readFileSync(path.join(warcDir, 'pywb/iana.warc.gz'));
    writeFileSync(big, Buffer.concat(Array.from({ length: 12 }, () => iana)));
    const child = path.join(here, 'archive-child.js');
    const killed = path.join(dir, 'killed');
    const proc = spawn(process.execPath, [child, killed, big], { stdio: 'ignore', env: { ...process.env, NODE_V8_COVERAGE: undefined } });
    const commits = path.join(killed, '_kiln/commits');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(existsSync(commits) && readdirSync(commits).filter((f) => f.endsWith('.json')).length >= 2)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const interrupted = !existsSync(path.join(killed, '_kiln/SUCCESS.json'));
    await runStage(archiveCrawlStage, { inputs: [big], out: killed, config: { filter: false, commitRecords: 100 }, workers: 1, quiet: true });
    const clean = path.join(dir, 'clean');
    await runStage(archiveCrawlStage, { inputs: [big], out: clean, config: { filter: false, commitRecords: 100 }, workers: 1, quiet: true });
    const a = await docs(killed);
    const b = await docs(clean);
    assert.equal(a.length, 16 * 12);
    assert.deepEqual(a, b);
    assert.ok(interrupted, 'the kill landed before the run finished');
  });
});

test('archive stage reads HTTP URLs (Range resume) and warc.paths lists with a prefix', async (t) => {
  const warcDir = requireSharedData(t, 'warc');
  if (!warcDir) return;
  const file = readFileSync(path.join(warcDir, 'dolma/sample-0000.warc.gz'));
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/warc.paths') {
      res.end('crawl-data/a.warc.gz\n');
      return;
    }
    const range = req.headers.range;
    if (range) ranges.push(range);
    const m = range ? /bytes=(\d+)-/.exec(range) : null;
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, { 'content-length': file.length - start });
    res.end(file.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-arch-'));
  try {
    const { port } = server.address() as { port: number };
    const base = `http://127.0.0.1:${port}/`;
    assert.deepEqual(await readWarcPathList(`${base}warc.paths`, base), [`${base}crawl-data/a.warc.gz`]);
    const s = await runStage(archiveCrawlStage, { inputs: [], out: path.join(dir, 'o'), config: { filter: false, warcLists: [`${base}warc.paths`], pathsPrefix: base }, workers: 1, quiet: true });
    assert.equal(s.rows, 22);
    // Resume from a record offset: a Range request from exactly that offset.
    const { openWarcSource } = await import('../../../crawl/archive/index.js');
    const chunks: Uint8Array[] = [];
    for await (const c of openWarcSource(`${base}crawl-data/a.warc.gz`, 1000)) chunks.push(c);
    assert.equal(Buffer.concat(chunks).length, file.length - 1000);
    assert.ok(ranges.includes('bytes=1000-'));
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
