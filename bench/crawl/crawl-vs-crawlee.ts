// kiln's live crawler against Crawlee's CheerioCrawler on the same local site, side by side:
// each run is a fresh process measured whole (startup included) by /usr/bin/time (wall time,
// peak RSS); runs alternate kiln / Crawlee and the medians are compared.
// Usage: node dist/bench/crawl/crawl-vs-crawlee.js [--pages 3000] [--concurrency 16] [--reps 3]
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Measure {
  seconds: number;
  rssMb: number;
  pages: number;
}

async function timed(cmd: string[], env: NodeJS.ProcessEnv, pagesOf: (stdout: string) => number): Promise<Measure> {
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'BENCH %e %M', ...cmd], { env, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, pages: pagesOf(stdout) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const pages = arg('pages', 3000);
  const concurrency = arg('concurrency', 16);
  const reps = arg('reps', 3);
  const server = spawn(process.execPath, [path.join(here, 'site-server.js'), String(pages)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-bench-crawl-'));
  const env = { ...process.env, KILN_LOG: 'silent' };
  const kiln: Measure[] = [];
  const crawlee: Measure[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? ['kiln', 'crawlee'] : ['crawlee', 'kiln'];
      for (const who of order) {
        const out = path.join(tmp, `${who}-${r}`);
        if (who === 'kiln') {
          const m = await timed(
            [process.execPath, path.join(root, 'dist/cli/bin.js'), 'crawl', '--url', `${origin}/`, '--out', out, '--allow-private', '--no-filter', '--json',
              '--concurrency', String(concurrency), '--per-host-concurrency', String(concurrency), '--per-host-delay', '0', '--max-pages', String(pages * 2), '--max-depth', '1000'],
            env,
            (s) => JSON.parse(s).rows as number,
          );
          kiln.push(m);
          process.stderr.write(`kiln    run ${r}: ${m.seconds} s, ${m.rssMb.toFixed(0)} MB, ${m.pages} pages\n`);
        } else {
          const m = await timed(
            [process.execPath, path.join(here, 'crawlee-runner.js'), origin, String(concurrency), String(pages * 2)],
            { ...env, CRAWLEE_STORAGE_DIR: out },
            (s) => JSON.parse(s.trim().split('\n').at(-1)!).pages as number,
          );
          crawlee.push(m);
          process.stderr.write(`crawlee run ${r}: ${m.seconds} s, ${m.rssMb.toFixed(0)} MB, ${m.pages} pages\n`);
        }
        await fs.rm(out, { recursive: true, force: true });
      }
    }
  } finally {
    server.kill();
    await fs.rm(tmp, { recursive: true, force: true });
  }
  const k = { s: median(kiln.map((m) => m.seconds)), rss: median(kiln.map((m) => m.rssMb)) };
  const c = { s: median(crawlee.map((m) => m.seconds)), rss: median(crawlee.map((m) => m.rssMb)) };
  const result = {
    pages, concurrency, reps,
    kiln: { ...k, pages: kiln.map((m) => m.pages) },
    crawlee: { ...c, pages: crawlee.map((m) => m.pages) },
    speedup: Number((c.s / k.s).toFixed(2)),
    rssRatio: Number((k.rss / c.rss).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
