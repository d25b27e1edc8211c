/**
 * WARC reading speed, kiln vs warcio.js, same bytes, alternating rounds, medians, ratio; two rows:
 * raw blocks on both sides (warcio `parseHttp: false`), and HTTP headers parsed on both sides
 * (warcio `parseHttp: true`; kiln `parseHttpResponse` on every response record's block).
 * Input: the shared WARC files concatenated and repeated up to ~TARGET_MB into a temp dir.
 * `node dist/bench/warc/records.js [targetMB] [rounds]`
 */
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WARCParser } from 'warcio';
import { parseHttpResponse, readWarcRecords } from '../../crawl/archive/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function listWarcs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listWarcs(p));
    // Per-record gzip files only: concatenated members stay a valid WARC for both readers.
    else if (p.endsWith('.warc.gz') && !p.includes('clueweb')) out.push(p);
  }
  return out.sort();
}

/** Writes the shared per-record-gzip WARCs repeated to about `targetMb` MB; returns the file. */
export function makeInput(dataDir: string, targetMb: number, dir: string): string {
  const parts = listWarcs(path.join(dataDir, 'warc')).map((f) => readFileSync(f));
  const one = Buffer.concat(parts);
  const copies = Math.max(1, Math.round((targetMb * 1e6) / one.length));
  const file = path.join(dir, 'bench.warc.gz');
  writeFileSync(file, Buffer.concat(Array.from({ length: copies }, () => one)));
  return file;
}

async function kiln(file: string, parseHttp: boolean): Promise<number> {
  let n = 0;
  let parsed = 0;
  for await (const r of readWarcRecords(createReadStream(file, { highWaterMark: 1 << 20 }), file)) {
    n++;
    if (parseHttp && r.type === 'response' && r.block && parseHttpResponse(r.block)) parsed++;
  }
  return n + (parsed < 0 ? 1 : 0);
}

async function warcio(file: string, parseHttp: boolean): Promise<number> {
  let n = 0;
  for await (const r of new WARCParser(createReadStream(file, { highWaterMark: 1 << 20 }), { parseHttp })) {
    await r.readFully(false); // the whole content block, as kiln's reader hands it out
    n++;
  }
  return n;
}

/** Runs both readers `rounds` times, alternating who starts; returns records/s medians and the ratio. */
export async function measureWarc(file: string, rounds: number, parseHttp: boolean): Promise<{ mb: number; records: number; kiln: number; warcio: number; ratio: number }> {
  const k: number[] = [];
  const w: number[] = [];
  let records = 0;
  const readers = [[kiln, k], [warcio, w]] as const;
  for (let i = 0; i < rounds; i++) {
    for (const [fn, out] of i % 2 === 0 ? readers : [...readers].reverse()) {
      const t0 = process.hrtime.bigint();
      const n = await fn(file, parseHttp);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (records && n !== records) throw new Error(`readers disagree: ${n} vs ${records} records`);
      records = n;
      out.push(n / s);
    }
  }
  return { mb: statSync(file).size / 1e6, records, kiln: median(k), warcio: median(w), ratio: median(k) / median(w) };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-warc-'));
  try {
    const file = makeInput(path.resolve(root, '../shared/data'), Number(process.argv[2] ?? 200), dir);
    const rounds = Number(process.argv[3] ?? 3);
    const raw = await measureWarc(file, rounds, false);
    const http = await measureWarc(file, rounds, true);
    console.log(`${raw.mb.toFixed(0)} MB, ${raw.records} records, ${rounds} alternated rounds, medians\n`);
    console.log('| work | kiln records/s | warcio.js records/s | ratio |\n|---|---|---|---|');
    console.log(`| raw content blocks (warcio parseHttp: false) | ${raw.kiln.toFixed(0)} | ${raw.warcio.toFixed(0)} | **${raw.ratio.toFixed(2)}x** |`);
    console.log(`| HTTP headers parsed (warcio parseHttp: true; kiln parseHttpResponse on responses) | ${http.kiln.toFixed(0)} | ${http.warcio.toFixed(0)} | **${http.ratio.toFixed(2)}x** |`);
    console.log(`\ncommand: node dist/bench/warc/records.js ${process.argv.slice(2).join(' ')}`);
    console.log(`RESULT ${JSON.stringify({ bench: 'warc', ratio: raw.ratio, parsed: http.ratio })}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
