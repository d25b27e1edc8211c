/**
 * Tasks of the archive stage: many small files are grouped into one task, and a big local
 * per-record .warc.gz is split into byte ranges that start at gzip member boundaries. A range
 * owns the records whose member starts in [start, end); tasks keep the files' order, so reading
 * the tasks in index order gives the records in the order one task would.
 */
import { open, stat } from 'node:fs/promises';
import type { TaskPlan } from '../../core/stage.js';
import { UsageError } from '../../core/errors.js';
import { nextMemberStart, type RandomReader } from './member-starts.js';
import { isS3Url } from '../../core/storage/s3-location.js';
import { openS3Object, s3RandomReader } from './s3-warc.js';
import { isUrl } from './warc-source.js';

/** A file's share of a task: records whose (member) offset is in [start, end); no end = to the end of the file. */
export interface ArchiveRange {
  warc: string;
  start: number;
  end?: number;
}

/** Planning knobs: the task count asked for (else from the input size) and the bytes one task should read. */
export interface ArchivePlanOptions {
  tasks?: number;
  targetBytes?: number;
}

// Compressed bytes per task when no --tasks is given: at the ~5 MB/s one core extracts
// (issue 17's measure), about 13 s of work, so all cores stay busy to the end of a run and a
// killed task costs little; a 1 GB Common Crawl file becomes 16 tasks.
export const ARCHIVE_TASK_BYTES = 64 * 1024 * 1024;

interface FileInfo {
  warc: string;
  size: number;
  /** Local or s3://, and gzip: member boundaries can be searched for. */
  splittable: boolean;
}

async function describe(warc: string): Promise<FileInfo> {
  // A URL's size is unknown without a request: weigh it as one task's worth, never split it.
  if (isUrl(warc)) return { warc, size: ARCHIVE_TASK_BYTES, splittable: false };
  if (isS3Url(warc)) {
    // An s3:// object has a size (HEAD) and ranged GETs: it is split like a local file.
    const { storage, key } = openS3Object(warc);
    try {
      const st = await storage.stat(key);
      if (!st) return { warc, size: 1, splittable: false };
      const head = st.size >= 2 ? await storage.readRange(key, 0, 2) : new Uint8Array(0);
      return { warc, size: Math.max(1, st.size), splittable: head[0] === 0x1f && head[1] === 0x8b };
    } finally {
      await storage.close();
    }
  }
  const st = await stat(warc).catch(() => undefined);
  // A missing file still gets its task, which fails with the reader's error, as before.
  if (!st) return { warc, size: 1, splittable: false };
  const fh = await open(warc, 'r');
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    return { warc, size: Math.max(1, st.size), splittable: head[0] === 0x1f && head[1] === 0x8b };
  } finally {
    await fh.close();
  }
}

/** Cuts one file into about `pieces` ranges at verified member starts (fewer when it has fewer members, e.g. one whole-file gzip). */
async function splitFile(f: FileInfo, pieces: number): Promise<ArchiveRange[]> {
  if (pieces <= 1 || !f.splittable) return [{ warc: f.warc, start: 0 }];
  const s3 = isS3Url(f.warc) ? openS3Object(f.warc) : undefined;
  const fh: RandomReader & { close(): Promise<void> } = s3 ? Object.assign(s3RandomReader(s3.storage, s3.key, f.size), { close: () => s3.storage.close() }) : await open(f.warc, 'r');
  try {
    const cuts: number[] = [];
    for (let k = 1; k < pieces; k++) {
      const target = Math.floor((k * f.size) / pieces);
      const from = Math.max(target, (cuts.at(-1) ?? 0) + 1);
      // Search no further than the next target so ranges stay near equal; none found: no cut here.
      const at = await nextMemberStart(fh, f.size, from, Math.floor(((k + 1) * f.size) / pieces));
      if (at !== undefined && at > 0) cuts.push(at);
    }
    const starts = [0, ...cuts];
    return starts.map((start, i) => (i + 1 < starts.length ? { warc: f.warc, start, end: starts[i + 1] } : { warc: f.warc, start }));
  } finally {
    await fh.close();
  }
}

/**
 * Plans archive tasks: `tasks` of them when asked (a UsageError when the files cannot be cut
 * into that many), else one per ARCHIVE_TASK_BYTES of input. Deterministic for the same files.
 */
export async function planArchiveTasks(files: readonly string[], opts: ArchivePlanOptions = {}): Promise<TaskPlan[]> {
  if (files.length === 0) return [];
  const infos = await Promise.all(files.map(describe));
  const total = infos.reduce((n, f) => n + f.size, 0);
  const count = opts.tasks ?? Math.max(1, Math.ceil(total / (opts.targetBytes ?? ARCHIVE_TASK_BYTES)));
  const per = total / count;
  const pieces: { range: ArchiveRange; size: number }[] = [];
  for (const f of infos) {
    const ranges = await splitFile(f, Math.round(f.size / per));
    for (const r of ranges) pieces.push({ range: r, size: (r.end ?? f.size) - r.start });
  }
  if (opts.tasks !== undefined && pieces.length < opts.tasks) {
    const whole = infos.filter((f) => !f.splittable).map((f) => f.warc);
    const why = whole.length > 0 ? `uncompressed files and URLs are not split (${whole[0]}${whole.length > 1 ? ` and ${whole.length - 1} more` : ''}), ` : '';
    throw new UsageError(`--tasks ${opts.tasks}: these archives make at most ${pieces.length} tasks: ${why}a .warc.gz is cut only at gzip member starts near equal shares`, { key: '--tasks' });
  }
  // Greedy in file order: close a task once it holds its share of the bytes, or when every
  // remaining piece is needed to give each remaining task one.
  const tasks: TaskPlan[] = [];
  let cur: ArchiveRange[] = [];
  let cum = 0;
  for (let i = 0; i < pieces.length; i++) {
    const { range } = pieces[i];
    const prev = cur.at(-1);
    // Neighbouring ranges of one file in one task read as one range.
    if (prev && prev.warc === range.warc && prev.end === range.start) {
      if (range.end === undefined) delete prev.end;
      else prev.end = range.end;
    } else cur.push({ ...range });
    cum += pieces[i].size;
    const tasksLeft = count - tasks.length - 1;
    const piecesLeft = pieces.length - i - 1;
    // Close at the share's end, or before it when the next piece would mostly fall past it.
    if (tasksLeft > 0 && piecesLeft > 0 && (cum + pieces[i + 1].size / 2 >= (tasks.length + 1) * per || piecesLeft === tasksLeft)) {
      tasks.push({ index: tasks.length, inputs: [], ranges: cur });
      cur = [];
    }
  }
  if (cur.length) tasks.push({ index: tasks.length, inputs: [], ranges: cur });
  return tasks;
}

/** The ranges of a planned task (plans written before ranges existed hold one `warc`). */
export function taskRanges(task: TaskPlan): ArchiveRange[] {
  if (Array.isArray(task.ranges)) return task.ranges as ArchiveRange[];
  return [{ warc: task.warc as string, start: 0 }];
}
