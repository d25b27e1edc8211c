/**
 * `kiln crawl --warc` on one big per-record .warc.gz, one worker vs all cores: wall time ratio
 * (issue 17's target: <= 0.6x on this 2-core machine), CPU seconds, and a check that both runs
 * wrote the same documents in the same order. The file splits into byte-range tasks at gzip
 * member starts (crawl/archive/archive-task-plan.ts), so the tasks, and so the output, are the
 * same for any --workers; only how many run at once changes.
 *
 * Input: the shared extraction-benchmark pages (real HTML), each wrapped as a WARC response
 * record (one gzip member per record, as Common Crawl writes them) and repeated with distinct
 * WARC-Target-URI and WARC-Record-ID until the file reaches --mb; written to a temp dir and
 * deleted afterwards. Rounds alternate the order (1, N, then N, 1, ...); medians are reported
 * with the load average, since other processes share the machine.
 * `node dist/bench/warc/crawl-workers.js [--mb 350] [--rounds 2] [--workers N]`
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { readDocuments } from '../../core/input-files.js';
import { loadScrapinghub, loadTrafilatura } from '../extraction/corpus.js';
import { median } from '../median.js';
import { timedProcess } from '../tokenize/timed-process.js';
import { benchData } from '../../test/core/project-paths.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kilnBin = path.join(projectRoot, 'dist/cli/bin.js');

/** One WARC response record, gzip-compressed on its own. */
function responseMember(url: string, recordId: string, html: Uint8Array): Buffer {
  const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${html.length}\r\n\r\n`), html]);
  const head = [
    'WARC/1.0',
    'WARC-Type: response',
    `WARC-Target-URI: ${url}`,
    'WARC-Date: 2024-05-01T00:00:00Z',
    `WARC-Record-ID: <urn:uuid:${recordId}>`,
    'Content-Type: application/http; msgtype=response',
    `Content-Length: ${http.length}`,
  ].join('\r\n');
  return gzipSync(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), http, Buffer.from('\r\n\r\n')]));
}

/** Writes the pages as records, repeated with distinct URIs, until the file holds `mb` MB; returns the file and its record count. */
function writeArchive(dataDir: string, dir: string, mb: number): { file: string; records: number } {
  const pages = [...(loadScrapinghub(dataDir) ?? []).map((p) => ({ url: p.url, html: p.html })), ...(loadTrafilatura(dataDir) ?? []).map((p) => ({ url: p.url ?? `https://example.org/${p.key}`, html: p.html }))];
  if (pages.length === 0) throw new Error(`${dataDir}/extraction absent: this bench needs the shared extraction pages`);
  // Every copy is compressed as its own member (its header differs), as a crawler writes it.
  const file = path.join(dir, 'bench.warc.gz');
  const fd = openSync(file, 'w');
  let bytes = 0;
  let records = 0;
  try {
    for (let copy = 0; bytes < mb * 1e6; copy++) {
      for (const [i, p] of pages.entries()) {
        const sep = p.url.includes('?') ? '&' : '?';
        const id = createHash('sha256').update(`${copy}/${i}`).digest('hex');
        const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
        const member = responseMember(`${p.url}${sep}kiln_copy=${copy}`, uuid, p.html);
        writeSync(fd, member);
        bytes += member.length;
        records++;
        if (bytes >= mb * 1e6) break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { file, records };
}

/** Count and digest of a dataset's documents in read order (id and text). */
async function digest(out: string): Promise<{ docs: number; sha: string }> {
  const h = createHash('sha256');
  let docs = 0;
  for await (const d of readDocuments([out])) {
    h.update(`${d.id}\u0000${d.text}\u0000`);
    docs++;
  }
  return { docs, sha: h.digest('hex').slice(0, 16) };
}

const { values } = parseArgs({ options: { mb: { type: 'string', default: '350' }, rounds: { type: 'string', default: '2' }, workers: { type: 'string' } } });
const mb = Number(values.mb);
const rounds = Number(values.rounds);
const cores = Number(values.workers ?? os.availableParallelism());
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-warc-'));
try {
  const t0 = performance.now();
  const { file, records } = writeArchive(benchData('warc crawl-workers bench'), dir, mb);
  const size = statSync(file).size;
  console.log(`input: ${(size / 1e6).toFixed(1)} MB, ${records} response records, written in ${((performance.now() - t0) / 1000).toFixed(1)} s; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const runs: Record<number, { seconds: number[]; cpu: number[]; digest?: string; docs?: number; tasks?: number }> = { 1: { seconds: [], cpu: [] }, [cores]: { seconds: [], cpu: [] } };
  for (let r = 0; r < rounds; r++) {
    for (const w of r % 2 === 0 ? [1, cores] : [cores, 1]) {
      const out = path.join(dir, `out-${w}-${r}`);
      const loadBefore = os.loadavg()[0];
      const t = timedProcess(process.execPath, [kilnBin, 'crawl', '--warc', file, '--out', out, '--workers', String(w), '--json']);
      const summary = JSON.parse(t.stdout) as { tasks: number; rows: number };
      const d = await digest(out);
      rmSync(out, { recursive: true, force: true });
      const run = runs[w];
      if (run.digest !== undefined && run.digest !== d.sha) throw new Error(`--workers ${w} wrote different documents in round ${r}`);
      run.digest = d.sha;
      run.docs = d.docs;
      run.tasks = summary.tasks;
      run.seconds.push(t.seconds);
      run.cpu.push(t.cpu);
      console.log(`round ${r} --workers ${w}: ${summary.tasks} tasks, ${d.docs} documents (${d.sha}), ${t.seconds.toFixed(1)} s wall, ${t.cpu.toFixed(1)} s CPU, ${(records / t.seconds).toFixed(0)} records/s; load ${loadBefore.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)}`);
    }
  }
  const one = runs[1];
  const all = runs[cores];
  if (one.digest !== all.digest) throw new Error(`--workers 1 and --workers ${cores} wrote different documents (${one.digest} vs ${all.digest})`);
  // With two rounds median() is the upper value; the per-round ratios show how far the load moved them.
  const ratio = median(all.seconds) / median(one.seconds);
  console.log(`per-round wall ratios: ${all.seconds.map((s, i) => (s / one.seconds[i]).toFixed(2)).join(', ')}`);
  console.log(
    `same documents (${one.docs}, ${one.digest}); median wall --workers ${cores} / --workers 1 = ${median(all.seconds).toFixed(1)} / ${median(one.seconds).toFixed(1)} s = ${ratio.toFixed(2)}x (target <= 0.6x); ` +
      `CPU ${median(all.cpu).toFixed(1)} / ${median(one.cpu).toFixed(1)} s = ${(median(all.cpu) / median(one.cpu)).toFixed(2)}x; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
