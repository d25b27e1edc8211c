import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, isTempName, writeFileAtomic, writeFileSynced } from './atomic-file.js';
import { checksum } from './checksum.js';
import type { ColumnSpec } from './columns.js';
import { readCommits, type CommitRecord } from './commit-record.js';
import { layout, parsePartName, parsePendingName, partName, pendingPartName } from './dataset-layout.js';
import type { Row } from './document.js';
import { CorruptPartError, IoError, KilnError } from './errors.js';
import { Stats } from './stats.js';
import { makeDirs } from './make-dirs.js';

/** A part encoded elsewhere (an encode worker), committed as is by `commitPart`. */
export interface EncodedPart {
  /** The Parquet file's bytes, with this writer's columns. */
  data: Uint8Array;
  rows: number;
}

// Loaded on the first commit with rows: Arrow and parquet-wasm take ~80 ms to load, which a
// stage whose workers encode their own parts (tokenize) never needs on this thread.
let parquetWrite: Promise<typeof import('./parquet-write.js')> | undefined;

/** When a task's buffered rows become a part. */
export interface ChunkLimits {
  /** Bytes of buffered string/array data (default 8 MiB). This is the writer's memory bound: encoding a chunk costs ~25x its size in transient JS strings, Arrow buffers and parquet-wasm memory, so 8 MiB keeps a 1 GB write under 300 MB peak RSS. */
  bytes?: number;
  rows?: number;
  /** Commit at least this often so slow stages (crawls) lose little on a kill. */
  seconds?: number;
}

const DEFAULT_LIMITS: Required<ChunkLimits> = { bytes: 8 * 1024 * 1024, rows: 200_000, seconds: 30 };

function approxBytes(row: Row): number {
  let n = 0;
  for (const v of Object.values(row)) {
    if (typeof v === 'string') n += v.length;
    else if (ArrayBuffer.isView(v)) n += v.byteLength;
    else if (Array.isArray(v)) n += v.length * 4;
    else n += 8;
  }
  return n;
}

/**
 * Buffers one task's output rows and commits them chunk by chunk (DESIGN.md commit protocol):
 * the part goes to its hidden pending name (`.part-….parquet.pending`) and is fsync'd; the
 * commit record (atomic) with the cursor is the commit; only then is the part renamed to its
 * `*.parquet` name. So a directory glob never sees an uncommitted part, and a kill between commit
 * and rename is rolled forward by the next open.
 */
export class TaskWriter {
  readonly dir: string;
  readonly task: number;
  readonly columns: readonly ColumnSpec[];
  readonly stats: Stats;
  private readonly limits: Required<ChunkLimits>;
  private pending: Row[] = [];
  private pendingSize = 0;
  private nextChunk: number;
  private lastCommit = Date.now();
  private _cursor: unknown;
  private _totalRows: number;
  /** The excluded dataset's writer for this task, committed just before this one (attachSide). */
  private side?: TaskWriter;

  private constructor(dir: string, task: number, columns: readonly ColumnSpec[], last: CommitRecord | undefined, limits: ChunkLimits) {
    this.dir = dir;
    this.task = task;
    this.columns = columns;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.nextChunk = last ? last.chunk + 1 : 0;
    this._cursor = last?.cursor;
    this._totalRows = last?.totalRows ?? 0;
    this.stats = new Stats(last?.stats);
  }

  /**
   * Opens task `task` of dataset `dir`: deletes its uncommitted leftovers and restores cursor and
   * stats. With `rollbackFrom` (a side dataset: the main writer's next chunk), commits from that
   * chunk on are undone too: they were made just before a main commit that a kill prevented.
   */
  static async open(dir: string, task: number, columns: readonly ColumnSpec[], limits: ChunkLimits = {}, options: { rollbackFrom?: number } = {}): Promise<TaskWriter> {
    await makeDirs(layout.commits(dir));
    let commits = await readCommits(dir, task);
    const from = options.rollbackFrom;
    if (from !== undefined) {
      // Newest first, so a kill here leaves a shorter but still contiguous history.
      for (const c of commits.filter((r) => r.chunk >= from).reverse()) {
        // Files first: a kill in between leaves a record this same rollback removes next time.
        if (c.file) for (const name of [c.file, pendingPartName(c.file)]) await fs.rm(path.join(dir, name), { force: true });
        await fs.rm(layout.commit(dir, task, c.chunk), { force: true });
      }
      commits = commits.filter((c) => c.chunk < from);
      const have = (commits.at(-1)?.chunk ?? -1) + 1;
      if (have < from) throw new CorruptPartError(`${dir}: task ${task} has ${have} commits but its main dataset ${from}; this side dataset lost commits (deleted by hand?)`, { path: dir });
    }
    const last = commits.at(-1);
    const committedFiles = new Set(commits.map((c) => c.file).filter(Boolean));
    // Leftovers of a killed run of this task: parts without a commit record, and temp files.
    const taskPrefix = partName(task, 0).slice(0, 'part-00000-'.length);
    for (const name of await fs.readdir(dir)) {
      const part = parsePartName(name) ?? parsePartName(parsePendingName(name) ?? '');
      const stale = part?.task === task && !committedFiles.has(parsePendingName(name) ?? name);
      const staleTemp = isTempName(name) && name.includes(taskPrefix);
      if (stale || staleTemp) await fs.rm(path.join(dir, name), { force: true });
    }
    const commitPrefix = taskPrefix.slice('part-'.length);
    for (const name of await fs.readdir(layout.commits(dir))) {
      if (isTempName(name) && (name.startsWith(`.${commitPrefix}`) || name.includes(`-${commitPrefix}`))) await fs.rm(path.join(layout.commits(dir), name), { force: true });
    }
    let rolledForward = false;
    for (const c of commits) {
      if (!c.file) continue;
      const full = path.join(dir, c.file);
      if (await fs.stat(full).catch(() => undefined)) continue;
      // Committed, but a kill came before its rename: publish it now.
      const pending = path.join(dir, pendingPartName(c.file));
      if (!(await fs.stat(pending).catch(() => undefined))) throw new CorruptPartError(`committed part is missing: ${full}`, { path: full });
      await fs.rename(pending, full);
      rolledForward = true;
    }
    if (rolledForward) await fsyncDir(dir);
    return new TaskWriter(dir, task, columns, last, limits);
  }

  /** Number of the next chunk this writer commits (= chunks committed so far). */
  get chunksCommitted(): number {
    return this.nextChunk;
  }

  /** Commits `side` (same task of the excluded dataset) with the same cursor just before each commit of this writer. */
  attachSide(side: TaskWriter): void {
    if (side.nextChunk !== this.nextChunk) throw new KilnError('KILN_WRITER_STATE', `task ${this.task}: side dataset at chunk ${side.nextChunk}, main at ${this.nextChunk}`, { path: side.dir });
    this.side = side;
  }

  /** Rows buffered here and in the attached side writer. */
  get pendingAllRows(): number {
    return this.pending.length + (this.side?.pendingRows ?? 0);
  }

  /** The input cursor of the last commit; undefined when the task starts fresh. */
  get cursor(): unknown {
    return this._cursor;
  }

  /** Rows committed so far by this task. */
  get committedRows(): number {
    return this._totalRows;
  }

  get pendingRows(): number {
    return this.pending.length;
  }

  get pendingBytes(): number {
    return this.pendingSize;
  }

  /** Buffers one output row; it is durable only after the next commit. */
  push(row: Row): void {
    this.pending.push(row);
    this.pendingSize += approxBytes(row);
  }

  /** True when the buffer reached a chunk limit (bytes, rows or age). */
  shouldCommit(): boolean {
    if (this.side?.shouldCommit()) return true;
    return (
      this.pendingSize >= this.limits.bytes ||
      this.pending.length >= this.limits.rows ||
      (Date.now() - this.lastCommit >= this.limits.seconds * 1000 && this.pending.length > 0)
    );
  }

  /** Makes the buffered rows durable together with `cursor` (the input position after them). */
  async commit(cursor: unknown): Promise<void> {
    await this.side?.commit(cursor);
    if (this.pending.length === 0) return this.commitBytes(undefined, 0, cursor);
    const { encodeParquet } = await (parquetWrite ??= import('./parquet-write.js'));
    let data: Uint8Array;
    try {
      data = encodeParquet(this.columns, this.pending);
    } catch (err) {
      const file = partName(this.task, this.nextChunk);
      throw new IoError(`cannot encode task ${this.task} chunk ${this.nextChunk}: ${(err as Error).message}`, { path: path.join(this.dir, file) }, { cause: err });
    }
    await this.commitBytes(data, this.pending.length, cursor);
  }

  /** Commits a part encoded elsewhere (no rows may be buffered), with `cursor` after its rows. */
  async commitPart(part: EncodedPart, cursor: unknown): Promise<void> {
    if (this.pending.length > 0) throw new KilnError('KILN_WRITER_STATE', `task ${this.task}: commitPart with ${this.pending.length} buffered rows`, { path: this.dir });
    await this.side?.commit(cursor);
    await this.commitBytes(part.rows > 0 ? part.data : undefined, part.rows, cursor);
  }

  private async commitBytes(data: Uint8Array | undefined, rows: number, cursor: unknown): Promise<void> {
    const chunk = this.nextChunk;
    let file: string | null = null;
    let bytes = 0;
    let sum: string | null = null;
    if (data !== undefined) {
      file = partName(this.task, chunk);
      await writeFileSynced(path.join(this.dir, pendingPartName(file)), data);
      bytes = data.byteLength;
      sum = checksum(data);
    }
    const record: CommitRecord = {
      task: this.task,
      chunk,
      file,
      rows,
      bytes,
      checksum: sum,
      cursor,
      stats: this.stats.toJSON(),
      totalRows: this._totalRows + rows,
      committedAt: new Date().toISOString(),
    };
    await writeFileAtomic(layout.commit(this.dir, this.task, chunk), JSON.stringify(record));
    if (file !== null) {
      // Published after its commit (see the class comment); a kill right here is rolled forward.
      await fs.rename(path.join(this.dir, pendingPartName(file)), path.join(this.dir, file)).catch((err: unknown) => {
        throw new IoError(`cannot publish ${file}: ${(err as Error).message}`, { path: path.join(this.dir, file) }, { cause: err });
      });
      await fsyncDir(this.dir);
    }
    this.nextChunk++;
    this._cursor = cursor;
    this._totalRows = record.totalRows;
    this.pending = [];
    this.pendingSize = 0;
    this.lastCommit = Date.now();
  }
}
