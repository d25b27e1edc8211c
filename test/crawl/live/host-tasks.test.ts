// A live crawl split into tasks by host hash (crawl/live/host-partition.ts): each host is
// crawled by one task only, so per-host politeness holds with the tasks running at once; the
// tasks together find what one task finds on sites that link within themselves; a link to a
// host of another task is left to that task; re-crawl, rerun and resume work per task.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readDocuments } from '../../../core/input-files.js';
import { runStage } from '../../../core/run-stage.js';
import { hostTask, pageShare } from '../../../crawl/live/host-partition.js';
import { liveCrawlStage } from '../../../crawl/live/live-crawl-stage.js';
import { reopenForRecrawl } from '../../../crawl/live/recrawl.js';
import { kiln } from '../../cli/kiln-process.js';
import { crawlSite } from './crawl-site.js';
import { conditional, startFaultServer, type FaultServer, type Handler } from './fault-server.js';

process.env.KILN_LOG = 'silent';

const TASKS = 3;

/** One site on its own port (its own host), counting the requests it serves at once. */
interface Site {
  server: FaultServer;
  host: string;
  inFlight: number;
  maxInFlight: number;
}

/** Wraps a handler: slow enough that two tasks crawling one host would overlap, and counted. */
function tracked(site: () => Site, h: Handler): Handler {
  return async (req: http.IncomingMessage, res: http.ServerResponse, info) => {
    const s = site();
    s.inFlight++;
    s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
    res.on('close', () => { s.inFlight--; });
    await new Promise((r) => setTimeout(r, 15));
    await h(req, res, info);
  };
}

async function startSite(): Promise<Site> {
  let site: Site | undefined;
  const pages = crawlSite(() => site!.server.origin);
  const routes = Object.fromEntries(Object.entries(pages.routes).map(([p, h]) => [p, tracked(() => site!, h)]));
  const server = await startFaultServer(routes);
  site = { server, host: new URL(server.origin).host, inFlight: 0, maxInFlight: 0 };
  return site;
}

async function rowsOf(inputs: string[]): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const d of readDocuments(inputs)) rows.push(d as Record<string, unknown>);
  return rows;
}

/** Documents by id, without the fetch time (the one field two crawls cannot share). */
function byId(rows: Array<Record<string, unknown>>): Map<string, Record<string, unknown>> {
  return new Map(rows.map(({ fetched_at: _t, ...r }) => [r.id as string, r]));
}

describe('live crawl in tasks split by host', () => {
  const sites: Site[] = [];
  let tmp: string;
  /** A page on `b` linked only from `a`'s home page, where a and b belong to different tasks. */
  let a: Site;
  let b: Site;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-host-tasks-'));
    // Four hosts; more while they all hash to one task (ports are random).
    while (sites.length < 4 || new Set(sites.map((s) => hostTask(s.host, TASKS))).size < 2) sites.push(await startSite());
    a = sites[0];
    b = sites.find((s) => hostTask(s.host, TASKS) !== hostTask(a.host, TASKS))!;
    const page = (html: string) => conditional({ etag: '"x-v1"', lastModified: new Date('2026-01-01T00:00:00Z').toUTCString(), html });
    b.server.route('/only-from-a', tracked(() => b, page('<html><body><p>Only from A: linked from another host only.</p></body></html>')));
    a.server.route('/', tracked(() => a, page(`<html><body><p>The home page of host A.</p><a href="/a">a</a> <a href="/b">b</a> <a href="/c">c</a> <a href="${b.server.origin}/only-from-a">b</a></body></html>`)));
  });
  after(async () => {
    for (const s of sites) await s.server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });
  const config = (extra: Record<string, unknown> = {}) => ({
    urls: sites.map((s) => `${s.server.origin}/`), allowPrivate: true, perHostDelayMs: 0, perHostConcurrency: 1, concurrency: 8,
    filter: false, extractor: 'plain', ...extra,
  });
  const resetCounts = (): void => {
    for (const s of sites) {
      s.maxInFlight = 0;
      s.server.hits.clear();
    }
  };

  test('pageShare splits a budget exactly and hostTask is stable', () => {
    for (const total of [1, 7, 1000]) assert.equal([0, 1, 2].reduce((n, t) => n + pageShare(total, t, 3), 0), total);
    assert.equal(hostTask('example.com', 1), 0);
    assert.equal(hostTask('example.com:8080', 7), hostTask('example.com:8080', 7));
    const spread = new Set(Array.from({ length: 64 }, (_, i) => hostTask(`h${i}.example`, 4)));
    assert.equal(spread.size, 4, 'hosts spread over every task');
  });

  test('3 tasks at once: every host crawled by one task, one request at a time; the same documents as one task, less the link across tasks', async () => {
    resetCounts();
    const one = await runStage(liveCrawlStage, { out: path.join(tmp, 'one'), config: config() });
    assert.equal(one.tasks, 1);
    const single = byId(await rowsOf([path.join(tmp, 'one')]));
    assert.ok([...single.values()].some((r) => (r.url as string).endsWith('/only-from-a')), 'one task follows the link to another seed host');

    resetCounts();
    const out = path.join(tmp, 'three');
    const split = await runStage(liveCrawlStage, { out, config: config(), tasks: TASKS, workers: TASKS });
    assert.equal(split.tasks, TASKS);
    assert.ok(split.workersStarted >= 2, `tasks ran at once on worker threads: ${split.workersStarted}`);
    for (const s of sites) {
      assert.equal(s.maxInFlight, 1, `${s.host}: per-host concurrency 1 holds across tasks`);
      assert.equal(s.server.hits.get('/robots.txt'), 1, `${s.host}: robots.txt fetched by one task only`);
      assert.equal(s.server.hits.get('/'), 1, `${s.host}: home page fetched once`);
    }
    // Each task's parts hold only the pages of hosts it owns.
    const parts = (await fs.readdir(out)).filter((f) => f.endsWith('.parquet')).sort();
    for (const part of parts) {
      const task = Number(/^part-(\d+)-/.exec(part)![1]);
      for (const r of await rowsOf([path.join(out, part)])) assert.equal(hostTask(new URL(r.url as string).host, TASKS), task, `${part}: ${r.url as string}`);
    }
    const multi = byId(await rowsOf([out]));
    const crossing = [...single.keys()].filter((id) => (single.get(id)!.url as string).endsWith('/only-from-a'));
    assert.deepEqual([...multi.keys()].sort(), [...single.keys()].filter((id) => !crossing.includes(id)).sort());
    for (const [id, r] of multi) assert.deepEqual(r, single.get(id));
    assert.equal(split.stats.other_task_links, 1, 'the one link to another task\'s host is counted, not followed');
    assert.equal(b.server.hits.get('/only-from-a'), undefined);
    assert.equal(split.stats.kept, multi.size);
  });

  test('a rerun is up to date; a re-crawl revalidates in every task', async () => {
    const out = path.join(tmp, 'three');
    const again = await runStage(liveCrawlStage, { out, config: config(), tasks: TASKS, workers: TASKS });
    assert.equal(again.skipped, true);
    const before = (await rowsOf([out])).length;
    resetCounts();
    await reopenForRecrawl(out);
    const re = await runStage(liveCrawlStage, { out, config: config(), tasks: TASKS, workers: TASKS });
    assert.equal(re.skipped, false);
    assert.equal(re.stats.not_modified, before, 'every stored page answered 304, in whichever task owns it');
    assert.equal((await rowsOf([out])).length, before, 'no new versions');
    for (const s of sites) assert.equal(s.server.hits.get('/'), 1);
  });

  test('stopped mid-crawl and resumed: the same documents as an uninterrupted run, none twice', async () => {
    const out = path.join(tmp, 'stopped');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 120);
    const first = await runStage(liveCrawlStage, { out, config: config({ commitSeconds: 0.05 }), tasks: TASKS, workers: TASKS, signal: ac.signal });
    assert.equal(first.stopped, true);
    await runStage(liveCrawlStage, { out, config: config({ commitSeconds: 0.05 }), tasks: TASKS, workers: TASKS });
    const ids = (await rowsOf([out])).map((r) => r.id as string);
    assert.equal(new Set(ids).size, ids.length, 'no document twice');
    assert.deepEqual(ids.sort(), [...byId(await rowsOf([path.join(tmp, 'three')])).keys()].sort());
  });

  test('kiln crawl --url ... --tasks 3 --workers 3: the CLI splits the hosts the same way', async () => {
    const args = ['crawl', ...sites.flatMap((s) => ['--url', `${s.server.origin}/`]), '--out', 'cli', '--allow-private', '--per-host-delay', '0', '--per-host-concurrency', '1', '--no-filter', '--extractor', 'plain', '--tasks', String(TASKS), '--workers', String(TASKS), '--json'];
    const r = await kiln(args, tmp);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { tasks: number; rows: number };
    assert.deepEqual([summary.tasks, summary.rows], [TASKS, (await rowsOf([path.join(tmp, 'three')])).length]);
  });
});
