/**
 * WARC reading speed, kiln vs warcio.js, same bytes, alternating rounds, medians, ratio; two rows:
 * raw blocks on both sides (warcio `parseHttp: false`), and HTTP headers parsed on both sides
 * (warcio `parseHttp: true`, which parses the HTTP head of request, response and non-empty
 * revisit records; kiln `parseHttpResponse` on response and revisit blocks, and the request
 * head parser of bench/warc/http-request-head.ts on request blocks).
 * Input: the shared WARC files concatenated and repeated up to ~TARGET_MB into a temp dir.
 *
 * What each side produces per record (equal work): the WARC header fields parsed into a map
 * (kiln `headers`, a Map; warcio `warcHeaders.headers`, a Headers), the record's file offset
 * (kiln `offset`; warcio tracks `parser.offset` for every record) and the whole content block
 * as one byte array (kiln `block`; warcio `readFully(false)`); in the parse row, the payload after
 * the HTTP head instead. Every round must return the same record count and the same total
 * block (or payload) bytes on both sides, or the bench fails.
 * Each reader is timed by wall clock and by process CPU time (user + system, all threads): on a
 * shared, loaded machine the CPU-time ratio is the steadier figure, and both are printed.
 * `node dist/bench/warc/records.js [targetMB] [rounds]`
 */
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WARCParser } from 'warcio';
import { parseHttpResponse, readWarcRecords } from '../../crawl/archive/index.js';
import { loadAverage } from '../load-average.js';
import { parseHttpRequestHead } from './http-request-head.js';
import { median } from '../median.js';
import { printResult } from '../result-line.js';
import { benchData } from '../../test/core/project-paths.js';


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

/** What one pass returns: records read and the total bytes of their content blocks. */
interface Pass {
  records: number;
  blockBytes: number;
}

async function kiln(file: string, parseHttp: boolean): Promise<Pass> {
  let records = 0;
  let blockBytes = 0;
  for await (const r of readWarcRecords(createReadStream(file, { highWaterMark: 1 << 20 }), file)) {
    records++;
    const block = r.block ?? new Uint8Array(0);
    if (!parseHttp || !block.length || (r.type !== 'response' && r.type !== 'revisit' && r.type !== 'request')) {
      blockBytes += block.length;
      continue;
    }
    // Parse row: the HTTP head parsed off the records warcio parses it off, the payload counted.
    // A block that is no HTTP message (a dns: response) warcio reads whole as its header
    // section, leaving no payload; kiln's parser rejects it, and it counts no payload either.
    const head = r.type === 'request' ? parseHttpRequestHead(block) : parseHttpResponse(block);
    blockBytes += head ? head.body.length : 0;
  }
  return { records, blockBytes };
}

async function warcio(file: string, parseHttp: boolean): Promise<Pass> {
  let records = 0;
  let blockBytes = 0;
  for await (const r of new WARCParser(createReadStream(file, { highWaterMark: 1 << 20 }), { parseHttp })) {
    // The whole content block, as kiln's reader hands it out (with parseHttp the HTTP header
    // block is already parsed off, so this is the payload).
    blockBytes += (await r.readFully(false)).length;
    records++;
  }
  return { records, blockBytes };
}

/** Runs both readers `rounds` times, alternating who starts; returns records/s and CPU-second medians and both ratios. */
export async function measureWarc(file: string, rounds: number, parseHttp: boolean): Promise<{ mb: number; records: number; kiln: number; warcio: number; ratio: number; kilnCpu: number; warcioCpu: number; cpuRatio: number }> {
  const k = { rate: [] as number[], cpu: [] as number[] };
  const w = { rate: [] as number[], cpu: [] as number[] };
  const readers = [[kiln, k, 'kiln'], [warcio, w, 'warcio.js']] as const;
  let first: (Pass & { who: string }) | undefined;
  for (let i = 0; i < rounds; i++) {
    for (const [fn, out, who] of i % 2 === 0 ? readers : [...readers].reverse()) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const got = await fn(file, parseHttp);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      if (first && (got.records !== first.records || got.blockBytes !== first.blockBytes)) {
        throw new Error(`readers disagree: ${who} ${got.records} records / ${got.blockBytes} block bytes, ${first.who} ${first.records} / ${first.blockBytes}`);
      }
      first ??= { ...got, who };
      out.rate.push(got.records / s);
      out.cpu.push((c.user + c.system) / 1e6);
    }
  }
  return {
    mb: statSync(file).size / 1e6,
    records: first?.records ?? 0,
    kiln: median(k.rate),
    warcio: median(w.rate),
    ratio: median(k.rate) / median(w.rate),
    kilnCpu: median(k.cpu),
    warcioCpu: median(w.cpu),
    cpuRatio: median(w.cpu) / median(k.cpu),
  };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-warc-'));
  try {
    const file = makeInput(benchData('warc records bench'), Number(process.argv[2] ?? 200), dir);
    const rounds = Number(process.argv[3] ?? 3);
    const raw = await measureWarc(file, rounds, false);
    const http = await measureWarc(file, rounds, true);
    console.log(`${raw.mb.toFixed(0)} MB, ${raw.records} records, ${rounds} alternated rounds, medians\n`);
    console.log('| work | kiln records/s | warcio.js records/s | wall ratio | kiln CPU s | warcio.js CPU s | CPU ratio |\n|---|---|---|---|---|---|---|');
    const row = (work: string, m: typeof raw): string =>
      `| ${work} | ${m.kiln.toFixed(0)} | ${m.warcio.toFixed(0)} | **${m.ratio.toFixed(2)}x** | ${m.kilnCpu.toFixed(2)} | ${m.warcioCpu.toFixed(2)} | **${m.cpuRatio.toFixed(2)}x** |`;
    console.log(row('raw content blocks (warcio parseHttp: false)', raw));
    console.log(row('HTTP heads parsed on both sides (warcio parseHttp: true; kiln on response, revisit and request records)', http));
    console.log(`\ncommand: node dist/bench/warc/records.js ${process.argv.slice(2).join(' ')}; ${loadAverage()}`);
    printResult({ bench: 'warc', what: 'WARC records/s, raw blocks', peer: 'warcio.js, parseHttp: false', ratio: raw.ratio, cpuRatio: raw.cpuRatio });
    printResult({ bench: 'warc', what: 'WARC records/s, HTTP heads parsed on both sides', peer: 'warcio.js, parseHttp: true', ratio: http.ratio, cpuRatio: http.cpuRatio });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
