import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import xxhash from 'xxhash-wasm';
import { readCommits } from './commit-record.js';
import { pendingPartName } from './dataset-layout.js';

const hasher = await xxhash();

/** One file that does not match its record: missing, the wrong size or the wrong checksum. */
export interface PartProblem {
  file: string;
  message: string;
}

/** What a verification found: files and bytes checked, and every file that failed. */
export interface VerifyResult {
  files: number;
  bytes: number;
  problems: PartProblem[];
}

/** Why `file` does not match its recorded size and xxh64 (core/checksum.ts spelling), or undefined when it does. */
export async function checkFile(file: string, bytes: number, checksum: string | null): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) return 'missing';
  if (st.size !== bytes) return `has ${st.size} bytes, its record says ${bytes} (truncated or replaced)`;
  if (checksum === null) return undefined;
  // Streamed in 1 MiB pieces: memory stays flat whatever the part's size.
  const h = hasher.create64();
  for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(piece as Buffer);
  const actual = `xxh64:${h.digest().toString(16).padStart(16, '0')}`;
  return actual === checksum ? undefined : `checksum ${actual}, its record says ${checksum} (corrupt file)`;
}

/** Checks every committed part of the kiln dataset `dir` against its commit record. */
export async function verifyDatasetParts(dir: string): Promise<VerifyResult> {
  const result: VerifyResult = { files: 0, bytes: 0, problems: [] };
  for (const c of await readCommits(dir)) {
    if (!c.file) continue;
    if (c.file !== path.basename(c.file) || c.file === '..' || c.file === '.') {
      result.problems.push({ file: path.join(dir, '_kiln', 'commits'), message: `commit record of task ${c.task} chunk ${c.chunk} names a file outside the dataset: ${c.file}` });
      continue;
    }
    let file = path.join(dir, c.file);
    // Committed but not yet renamed (a kill between commit and publish): the next run rolls it forward.
    const pending = path.join(dir, pendingPartName(c.file));
    if (!(await fs.stat(file).then(() => true, () => false)) && (await fs.stat(pending).then(() => true, () => false))) file = pending;
    const problem = await checkFile(file, c.bytes, c.checksum);
    if (problem) result.problems.push({ file, message: problem });
    result.files++;
    result.bytes += c.bytes;
  }
  return result;
}
