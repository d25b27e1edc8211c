// kiln's live crawler against Crawlee's CheerioCrawler on the same local site, side by side.
// Equal work: each run gets its own freshly started site server (no warm server-side state
// carried from the previous crawler), the same concurrency with no per-host delay, robots.txt
// honoured, main text extracted and written to disk (kiln: Parquet dataset + LMDB crawl store;
// Crawlee: its persisted Dataset, one JSON file per page, + request queue), each crawler a fresh
// process measured whole (startup included). Runs alternate kiln / Crawlee; medians are compared.
// Peak RSS is that of the crawler's whole process tree (sum of VmRSS of the process and its
// descendants, sampled from /proc every 20 ms), beside /usr/bin/time's %M (largest single process).
// Usage: node dist/bench/crawl/crawl-vs-crawlee.js [--pages 400] [--concurrency 8] [--reps 5]
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../median.js';
import { printResult } from '../result-line.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Measure {
  seconds: number;
  /** Peak of the summed RSS of the crawler's process tree (MB). */
  treeRssMb: number;
  /** /usr/bin/time's %M: peak RSS of the largest single process (MB). */
  maxRssMb: number;
  pages: number;
  /** Bytes the crawler left in its output directory. */
  outputBytes: number;
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited between listing and reading
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Summed RSS (KB) of the processes below `pid` (not `pid` itself: that is /usr/bin/time). */
function treeRssKb(pid: number): number {
  let sum = 0;
  const todo = children(pid);
  while (todo.length > 0) {
    const p = todo.pop()!;
    sum += rssKb(p);
    todo.push(...children(p));
  }
  return sum;
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await fs.stat(path.join(e.parentPath, e.name))).size;
  }
  return n;
}

async function timed(cmd: string[], env: NodeJS.ProcessEnv, out: string, pagesOf: (stdout: string) => number): Promise<Measure> {
  const child = spawn('/usr/bin/time', ['-f', 'BENCH %e %M', ...cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let peakKb = 0;
  const sampler = setInterval(() => { peakKb = Math.max(peakKb, treeRssKb(child.pid!)); }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
  if (code !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (exit ${code}): ${stderr.slice(-800)}`);
  return { seconds: Number(m[1]), treeRssMb: peakKb / 1024, maxRssMb: Number(m[2]) / 1024, pages: pagesOf(stdout), outputBytes: await dirBytes(out) };
}

/** A fresh site server for one run; resolves with its origin. */
async function startSite(pages: number): Promise<{ origin: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [path.join(here, 'site-server.js'), String(pages)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return { origin, server };
}

async function stopSite(server: ChildProcess): Promise<void> {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill();
  await exited;
}


async function main(): Promise<void> {
  const pages = arg('pages', 400);
  const concurrency = arg('concurrency', 8);
  const reps = arg('reps', 5);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-bench-crawl-'));
  const env = { ...process.env, KILN_LOG: 'silent' };
  const runs: Record<'kiln' | 'crawlee', Measure[]> = { kiln: [], crawlee: [] };
  try {
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? (['kiln', 'crawlee'] as const) : (['crawlee', 'kiln'] as const);
      for (const who of order) {
        const out = path.join(tmp, `${who}-${r}`);
        const { origin, server } = await startSite(pages);
        let m: Measure;
        try {
          m = who === 'kiln'
            ? await timed(
              [process.execPath, path.join(root, 'dist/cli/bin.js'), 'crawl', '--url', `${origin}/`, '--out', out, '--allow-private', '--no-filter', '--json',
                '--concurrency', String(concurrency), '--per-host-concurrency', String(concurrency), '--per-host-delay', '0', '--max-pages', String(pages * 2), '--max-depth', '1000'],
              env, out, (s) => JSON.parse(s).rows as number)
            : await timed(
              [process.execPath, path.join(here, 'crawlee-runner.js'), origin, String(concurrency), String(pages * 2)],
              { ...env, CRAWLEE_STORAGE_DIR: out }, out, (s) => JSON.parse(s.trim().split('\n').at(-1)!).pages as number);
        } finally {
          await stopSite(server);
        }
        if (m.pages !== pages) throw new Error(`${who} run ${r} stored ${m.pages} pages, expected ${pages}`);
        runs[who].push(m);
        process.stderr.write(`${who.padEnd(7)} run ${r}: ${m.seconds} s, tree ${m.treeRssMb.toFixed(0)} MB (largest process ${m.maxRssMb.toFixed(0)} MB), ${m.pages} pages, ${(m.outputBytes / 1e6).toFixed(1)} MB written\n`);
        await fs.rm(out, { recursive: true, force: true });
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  const summary = (ms: Measure[]) => ({
    seconds: median(ms.map((m) => m.seconds)),
    treeRssMb: Number(median(ms.map((m) => m.treeRssMb)).toFixed(1)),
    maxRssMb: Number(median(ms.map((m) => m.maxRssMb)).toFixed(1)),
    outputMb: Number(median(ms.map((m) => m.outputBytes / 1e6)).toFixed(2)),
    runs: ms.map((m) => ({ s: m.seconds, treeRssMb: Number(m.treeRssMb.toFixed(1)), maxRssMb: Number(m.maxRssMb.toFixed(1)) })),
  });
  const k = summary(runs.kiln);
  const c = summary(runs.crawlee);
  const result = {
    pages, concurrency, reps, node: process.version, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    kiln: k, crawlee: c,
    speedup: Number((c.seconds / k.seconds).toFixed(2)),
    treeRssRatio: Number((k.treeRssMb / c.treeRssMb).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  printResult({ bench: 'crawl', what: `live crawl, ${pages} pages, concurrency ${concurrency}, whole process`, peer: 'Crawlee CheerioCrawler', ratio: result.speedup, figure: `${result.speedup.toFixed(2)}x; peak RSS ${result.treeRssRatio.toFixed(2)}x of Crawlee's` });
}

await main();
