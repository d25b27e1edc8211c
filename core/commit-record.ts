import { promises as fs } from 'node:fs';
import { layout, parseCommitName } from './dataset-layout.js';
import { CorruptPartError } from './errors.js';

/** What `_kiln/commits/TTTTT-CCCC.json` holds: one chunk of one task, durable once this exists. */
export interface CommitRecord {
  task: number;
  chunk: number;
  /** Part file name relative to the dataset, or null when the chunk had no rows. */
  file: string | null;
  rows: number;
  bytes: number;
  checksum: string | null;
  /** The task's input position after this chunk: where a resumed task continues. */
  cursor: unknown;
  /** The task's counters up to and including this chunk (cumulative). */
  stats: Record<string, number>;
  /** Rows the task has committed so far, this chunk included. */
  totalRows: number;
  committedAt: string;
}

/** All commit records of a dataset (or of one task), ordered by task then chunk. */
export async function readCommits(dir: string, task?: number): Promise<CommitRecord[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.commits(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const wanted = names
    .map((name) => ({ name, id: parseCommitName(name) }))
    .filter((e): e is { name: string; id: { task: number; chunk: number } } => !!e.id && (task === undefined || e.id.task === task))
    .sort((a, b) => a.id.task - b.id.task || a.id.chunk - b.id.chunk);
  const records: CommitRecord[] = [];
  for (const { name } of wanted) {
    const file = `${layout.commits(dir)}/${name}`;
    try {
      records.push(JSON.parse(await fs.readFile(file, 'utf8')) as CommitRecord);
    } catch (err) {
      throw new CorruptPartError(`unreadable commit record ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
    }
  }
  return records;
}
