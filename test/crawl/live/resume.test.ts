import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readDocuments } from '../../../core/input-files.js';
import { runStage } from '../../../core/run-stage.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { startFaultServer } from './fault-server.js';
import { resumeConfig, resumeSite } from './resume-site.js';

process.env.KILN_LOG = 'silent';
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crawl-child.js');

async function committedUrls(out: string): Promise<string[]> {
  const urls: string[] = [];
  for await (const d of readDocuments([out])) urls.push(new URL(d.url as string).pathname);
  return urls;
}

async function commitCount(out: string): Promise<number> {
  return (await fs.readdir(path.join(out, '_kiln', 'commits')).catch(() => [])).filter((f) => f.endsWith('.json')).length;
}

test('a SIGKILLed crawl resumes: no page lost, none stored twice, committed pages not refetched', async () => {
  const { routes, paths } = resumeSite(120, 40);
  const server = await startFaultServer(routes);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-resume-'));
  const out = path.join(tmp, 'out');
  try {
    const proc = spawn(process.execPath, [child, server.origin, out], { env: { ...process.env, NODE_V8_COVERAGE: undefined, KILN_CRAWL_CHILD: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ? -1 : code)));
    const t0 = Date.now();
    while ((await commitCount(out)) < 3 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    proc.kill('SIGKILL');
    assert.equal(await exited, -1, 'the child was killed, not finished');
    const before = await committedUrls(out);
    assert.ok(before.length > 0 && before.length < paths.length, `killed mid-crawl with ${before.length} of ${paths.length} pages committed`);
    const hitsAtKill = new Map(server.hits);

    const summary = await runStage(liveCrawlStage, { out, config: resumeConfig(server.origin) });
    const after = await committedUrls(out);
    assert.equal(after.length, paths.length, 'every page stored exactly once');
    assert.deepEqual([...new Set(after)].sort(), [...paths].sort());
    for (const p of before) assert.equal(server.hits.get(p), hitsAtKill.get(p), `${p} was committed before the kill and not fetched again`);
    // At most the pages that were in flight or fetched-but-uncommitted are fetched twice.
    const twice = paths.filter((p) => (server.hits.get(p) ?? 0) > 1).length;
    assert.ok(twice <= 60, `${twice} pages refetched`);
    assert.equal(summary.stopped, false);
    // Counters travel with commits: a rolled-back batch is not counted twice.
    assert.equal(summary.stats.kept, paths.length);
    assert.equal(summary.stats.fetched, paths.length);
  } finally {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('SIGTERM-style stop commits what was fetched; the next run finishes the crawl', async () => {
  const { routes, paths } = resumeSite(60, 30);
  const server = await startFaultServer(routes);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-stop-'));
  const out = path.join(tmp, 'out');
  try {
    const ac = new AbortController();
    const timer = setInterval(() => { void commitCount(out).then((n) => { if (n >= 2) ac.abort(); }); }, 20);
    const first = await runStage(liveCrawlStage, { out, config: resumeConfig(server.origin), signal: ac.signal });
    clearInterval(timer);
    assert.equal(first.stopped, true);
    const partial = await committedUrls(out);
    assert.ok(partial.length < paths.length);
    const second = await runStage(liveCrawlStage, { out, config: resumeConfig(server.origin) });
    assert.equal(second.stopped, false);
    const all = await committedUrls(out);
    assert.equal(all.length, paths.length);
    assert.deepEqual([...new Set(all)].sort(), [...paths].sort());
    for (const p of partial) assert.equal(server.hits.get(p), 1, `${p} fetched once`);
  } finally {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
