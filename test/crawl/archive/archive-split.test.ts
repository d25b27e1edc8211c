import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStage } from '../../../core/run-stage.js';
import { readDocuments } from '../../../core/input-files.js';
import { archiveCrawlStage } from '../../../crawl/archive/index.js';
import { kilnBin } from '../../core/project-paths.js';
import { withWarcDir } from './with-warc-dir.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Every document of a dataset in read order (task order, then commit order): id, provenance, text. */
async function docs(out: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const d of readDocuments([out])) rows.push(`${d.id} ${d.warc_file} ${d.warc_offset} ${d.reason ?? ''} ${d.text}`);
  return rows;
}

/** One bigger per-record .warc.gz made of real files (gzip members concatenate), plus a plain WET after it. */
function buildInputs(warcDir: string, dir: string, copies: number): string[] {
  const parts = ['pywb/iana.warc.gz', 'dolma/sample-0000.warc.gz', 'resiliparse/warcfile.warc.gz', 'ukwa/BL-20140325121225068-00000-32090~opera~8443.warc.gz'].map((f) => readFileSync(path.join(warcDir, f)));
  const big = path.join(dir, 'big.warc.gz');
  writeFileSync(big, Buffer.concat(Array.from({ length: copies }, () => parts).flat()));
  return [big, path.join(warcDir, 'cc_net/sample.warc.wet'), path.join(warcDir, 'ukwa/IAH-urls-wget.warc.gz')];
}

test('archive split: 1 task on 1 worker, 5 tasks on 2 workers and 9 on 4 give the same documents and excluded rows in the same order', async (t) => {
  await withWarcDir(t, 'kiln-split-', async (warcDir, dir) => {
    const inputs = buildInputs(warcDir, dir, 2);
    const config = { excluded: true, languages: [] };
    const runs = [
      { tasks: 1, workers: 1 },
      { tasks: 5, workers: 2 },
      { tasks: 9, workers: 4 },
    ];
    const outputs: { kept: string[]; excluded: string[]; tasks: number }[] = [];
    for (const [i, r] of runs.entries()) {
      const out = path.join(dir, `o${i}`);
      const s = await runStage(archiveCrawlStage, { inputs, out, config, ...r, quiet: true });
      outputs.push({ kept: await docs(out), excluded: await docs(path.join(out, 'excluded')), tasks: s.tasks });
    }
    assert.deepEqual(outputs.map((o) => o.tasks), [1, 5, 9]);
    assert.ok(outputs[0].kept.length > 50 && outputs[0].excluded.length > 10, `${outputs[0].kept.length} kept, ${outputs[0].excluded.length} excluded`);
    for (const o of outputs.slice(1)) {
      assert.deepEqual(o.kept, outputs[0].kept);
      assert.deepEqual(o.excluded, outputs[0].excluded);
    }
  });
});

test('archive split: SIGKILL while 4 split tasks run on 2 workers, then a rerun, equals an uninterrupted one-task run', async (t) => {
  await withWarcDir(t, 'kiln-split-', async (warcDir, dir) => {
    const inputs = buildInputs(warcDir, dir, 6);
    const killed = path.join(dir, 'killed');
    const child = path.join(here, 'archive-child.js');
    const proc = spawn(process.execPath, [child, killed, ...inputs], { stdio: 'ignore', env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_TEST_TASKS: '4', KILN_TEST_WORKERS: '2' } });
    const commits = path.join(killed, '_kiln/commits');
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !(existsSync(commits) && readdirSync(commits).filter((f) => f.endsWith('.json')).length >= 3)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const interrupted = !existsSync(path.join(killed, '_kiln/SUCCESS.json'));
    const config = { filter: false, commitRecords: 100 };
    await runStage(archiveCrawlStage, { inputs, out: killed, config, tasks: 4, workers: 2, quiet: true });
    const clean = path.join(dir, 'clean');
    await runStage(archiveCrawlStage, { inputs, out: clean, config, tasks: 1, workers: 1, quiet: true });
    const a = await docs(killed);
    assert.ok(a.length > 100, `${a.length} documents`);
    assert.deepEqual(a, await docs(clean));
    assert.ok(interrupted, 'the kill landed before the run finished');
  });
});

test('archive split: a damaged file in a grouped task fails the task after its other files are read; reruns neither repeat nor lose a record', async (t) => {
  await withWarcDir(t, 'kiln-split-', async (warcDir, dir) => {
    const full = readFileSync(path.join(warcDir, 'pywb/iana.warc.gz'));
    const cut = path.join(dir, 'iana.warc.gz');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length * 0.5)));
    const inputs = [path.join(warcDir, 'dolma/sample-0000.warc.gz'), cut, path.join(warcDir, 'cc_net/sample.warc.wet')];
    const out = path.join(dir, 'o');
    const config = { filter: false, commitRecords: 5 };
    const fails = (e: Error & { code?: string }) => e.code === 'KILN_TASK_FAILED' && /iana\.warc\.gz: truncated at byte/.test(e.message);
    await assert.rejects(runStage(archiveCrawlStage, { inputs, out, config, tasks: 1, workers: 1, quiet: true }), fails);
    const first = await docs(out);
    assert.equal(first.filter((d) => d.includes('sample.warc.wet')).length, 3, 'the file after the damaged one was read');
    await assert.rejects(runStage(archiveCrawlStage, { inputs, out, config, tasks: 1, workers: 1, quiet: true }), fails);
    assert.deepEqual(await docs(out), first, 'a rerun over the same damage adds nothing');
    // The file repaired in place: the rerun reads on from where it stopped, once.
    writeFileSync(cut, full);
    await runStage(archiveCrawlStage, { inputs, out, config, tasks: 1, workers: 1, quiet: true });
    const ids = (await docs(out)).map((d) => d.split(' ')[0]);
    const clean = path.join(dir, 'clean');
    await runStage(archiveCrawlStage, { inputs, out: clean, config, tasks: 1, workers: 1, quiet: true });
    assert.deepEqual([...ids].sort(), (await docs(clean)).map((d) => d.split(' ')[0]).sort());
  });
});

test('kiln crawl --warc: bad --workers/--tasks, more tasks than an archive can be cut into, and the flags on a live crawl are usage errors', async (t) => {
  await withWarcDir(t, 'kiln-split-', async (warcDir, dir) => {
    const kiln = (...args: string[]) => spawnSync(process.execPath, [kilnBin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_V8_COVERAGE: undefined } });
    const wet = path.join(warcDir, 'cc_net/sample.warc.wet');
    const cases: [string[], RegExp][] = [
      [['--workers', '0'], /--workers must be an integer >= 1, got "0"/],
      [['--workers', 'all'], /--workers must be an integer >= 1, got "all"/],
      [['--tasks', '-2'], /--tasks must be an integer >= 1, got "-2"/],
      [['--tasks', '1.5'], /--tasks must be an integer >= 1, got "1\.5"/],
      [['--tasks', '3'], /--tasks 3: these archives make at most 1 tasks: uncompressed files and URLs are not split \(.*sample\.warc\.wet\)/],
    ];
    for (const [flags, pattern] of cases) {
      const r = kiln('crawl', '--warc', wet, '--out', 'o', ...flags);
      assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), /^kiln: KILN_USAGE: /);
      assert.match(r.stderr, pattern);
    }
    // A live crawl takes both too (its tasks split the hosts), validated the same way.
    const live = kiln('crawl', '--url', 'http://127.0.0.1:9/', '--allow-private', '--out', 'o', '--workers', '2', '--tasks', '0');
    assert.equal(live.status, 2, live.stderr);
    assert.match(live.stderr, /--tasks must be an integer >= 1, got "0"/);
    // The right flags run: two tasks on two workers.
    const ok = kiln('crawl', '--warc', path.join(warcDir, 'dolma/sample-0000.warc.gz'), '--out', 'ok', '--tasks', '2', '--workers', '2', '--no-filter', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout) as { tasks: number; rows: number };
    assert.deepEqual([summary.tasks, summary.rows], [2, 22]);
  });
});
