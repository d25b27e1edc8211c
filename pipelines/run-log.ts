import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StageReport } from './stage-report.js';
import { makeDirs } from '../core/make-dirs.js';

/** One line of `workdir/_pipeline/runs.jsonl`: a finished (or failed, or submitted) pipeline run. */
export interface RunRecord {
  pipeline: string;
  executor: 'local' | 'slurm';
  generation?: string;
  started: string;
  finished: string;
  status: 'ok' | 'failed' | 'stopped' | 'submitted';
  error?: string;
  stages: StageReport[];
}

/** Path of a pipeline's run log. */
export function runLogPath(metaDir: string): string {
  return path.join(metaDir, 'runs.jsonl');
}

/** Appends one run record (one line, one write call, so concurrent appends never interleave). */
export async function appendRunRecord(metaDir: string, record: RunRecord): Promise<void> {
  await makeDirs(metaDir);
  await fs.appendFile(runLogPath(metaDir), JSON.stringify(record) + '\n');
}

/** Bytes read from the end of the run log: a scheduled pipeline appends forever, status reads only the tail. */
const TAIL_BYTES = 512 * 1024;

/** The newest run records, newest last (a torn line from a crash is ignored). */
export async function readRunRecords(metaDir: string, limit = 50): Promise<RunRecord[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(runLogPath(metaDir), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let text: string;
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    text = buf.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // drop the partial first line
  } finally {
    await handle.close();
  }
  const records: RunRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as RunRecord);
    } catch {
      /* torn line */
    }
  }
  return records.slice(-limit);
}
