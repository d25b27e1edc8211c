/**
 * The archive half of `kiln crawl`: WARC/WET files (paths, URLs, Common Crawl path lists) →
 * documents. A task reads one or more byte ranges of files (archive-task-plan.ts: small files
 * grouped, big .warc.gz files split at gzip member starts); the cursor is the position of the
 * last record handled, so a killed task resumes at that record (a range request for URLs),
 * not at the range start.
 */
import path from 'node:path';
import type { ColumnSpec } from '../../core/columns.js';
import { type DenyList, readDenyList } from '../../core/deny-list.js';
import { describeError, KilnError } from '../../core/errors.js';
import { defineStage, type TaskContext, type TaskPlan } from '../../core/stage.js';
import { canonicalUrl } from '../live/canonical-url.js';
import { archiveCrawlConfig, type ArchiveCrawlConfig } from './config.js';
import { processPageText, scrubPii } from './document-pipeline.js';
import { recordText } from './record-text.js';
import { readWarcPathList } from './warc-paths.js';
import { readWarcRecords, type WarcResumePoint } from './warc-reader.js';
import { openWarcSource } from './warc-source.js';
import { WarcCorruptError, WarcSplitError, WarcTruncatedError } from './errors.js';
import { planArchiveTasks, taskRanges, type ArchiveRange } from './archive-task-plan.js';

/** Output columns: the document columns plus provenance and language. */
export const ARCHIVE_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'text', type: 'string' },
  { name: 'url', type: 'string', nullable: true },
  { name: 'warc_file', type: 'string' },
  { name: 'warc_offset', type: 'int64' },
  { name: 'lang', type: 'string', nullable: true },
  { name: 'lang_score', type: 'float64', nullable: true },
];

/** Every WARC location of a run: the stage inputs, `config.warc`, then the expanded lists. */
export async function listWarcFiles(inputs: readonly string[], cfg: ArchiveCrawlConfig): Promise<string[]> {
  const files = [...inputs, ...cfg.warc];
  for (const list of cfg.warcLists) files.push(...(await readWarcPathList(list, cfg.pathsPrefix)));
  return cfg.maxFiles ? files.slice(0, cfg.maxFiles) : files;
}

/** True when the deny list names the page's id, its (canonical) URL, or a domain the URL is on. */
function deniedPage(deny: DenyList, page: { id: string; url: string | null }): boolean {
  if (deny.ids.has(page.id)) return true;
  const url = page.url === null ? null : canonicalUrl(page.url);
  return url !== null && deny.deniesUrl(url);
}

/** A place in one of a task's ranges: after the record at offset/within, or (no offset) at the range start. */
interface RangePoint {
  range: number;
  offset?: number;
  within?: number;
}

/**
 * A task's cursor: the last record handled and its range (cursors written before ranges hold
 * only offset/within), and where each range that failed stopped, so a rerun reads them on.
 */
interface ArchiveCursor extends RangePoint {
  damaged?: RangePoint[];
}

interface TaskState {
  /** The takedown deny list, read once per task at its start. */
  deny?: DenyList;
  at?: RangePoint;
  damaged: RangePoint[];
  sinceCommit: number;
}

const cursorOf = (s: TaskState): ArchiveCursor | undefined => (s.at ? { ...s.at, ...(s.damaged.length ? { damaged: s.damaged } : {}) } : undefined);
const resumeOf = (p: RangePoint | undefined): WarcResumePoint | undefined => (p?.offset === undefined ? undefined : { offset: p.offset, within: p.within ?? 0 });

/**
 * Runs one task: its ranges in order. A file that fails (damage under --on-corrupt fail, a
 * missing file) fails the task, but only after the task's other files are read, so a damaged
 * file costs the documents of no other file; its stopping point stays in the cursor and a
 * rerun reads on from there (failing again until the file is replaced).
 */
async function runArchiveTask(ctx: TaskContext<ArchiveCrawlConfig>): Promise<void> {
  const ranges = taskRanges(ctx.task);
  const cur = ctx.writer.cursor as ArchiveCursor | undefined;
  // Read per task, at its start: a takedown between two runs (or between a kill and its resume) is honoured.
  const deny = ctx.config.denyList ? await readDenyList(path.resolve(ctx.config.denyList)) : undefined;
  const state: TaskState = { deny, at: cur ? { range: cur.range ?? 0, offset: cur.offset, within: cur.within } : undefined, damaged: cur?.damaged ?? [], sinceCommit: 0 };
  const errors: Error[] = [];
  for (const d of [...state.damaged]) {
    const res = await readRange(ctx, ranges[d.range], resumeOf(d), (p) => Object.assign(d, p), state);
    if (res === 'stopped') return;
    if (res instanceof Error) errors.push(res);
    else state.damaged.splice(state.damaged.indexOf(d), 1);
  }
  for (let r = state.at?.range ?? 0; r < ranges.length; r++) {
    const res = await readRange(ctx, ranges[r], state.at?.range === r ? resumeOf(state.at) : undefined, (p) => (state.at = { range: r, ...p }), state);
    if (res === 'stopped') return;
    if (res instanceof Error) {
      errors.push(res);
      state.damaged.push(state.at?.range === r ? { ...state.at } : { range: r });
      state.at = { range: r + 1 };
    }
  }
  await ctx.writer.commit(cursorOf(state));
  if (errors.length > 0) throw errors[0];
}

/** Reads one range's records into the task's writer: 'stopped' when the run was aborted, the error when the file failed. */
async function readRange(ctx: TaskContext<ArchiveCrawlConfig>, range: ArchiveRange, resume: WarcResumePoint | undefined, handled: (p: WarcResumePoint) => void, state: TaskState): Promise<'done' | 'stopped' | Error> {
  const { config, writer, stats, log, signal } = ctx;
  const location = range.warc;
  const deny = state.deny;
  try {
    const source = openWarcSource(location, resume?.offset ?? range.start, signal);
    for await (const rec of readWarcRecords(source, location, { maxBlockBytes: config.maxRecordBytes, resume, start: range.start })) {
      if (range.end !== undefined && rec.offset >= range.end) {
        // The next range starts at `end`: a record that starts past it means `end` was not a
        // member start (see member-starts.ts), and that range read records that are not ours.
        if (rec.offset !== range.end) throw new WarcSplitError(location, `the range ending at byte ${range.end} has a record starting at ${rec.offset}: the split point is not a gzip member start; run this file as one task (--tasks 1)`, range.end);
        break;
      }
      stats.inc('records');
      if (rec.resynced) stats.inc('records_bad_length');
      const outcome = recordText(rec, config.maxPayloadBytes, config.extractor ?? 'main');
      if ('page' in outcome && deny && deniedPage(deny, outcome.page)) {
        // Never written, not even to excluded/: the owner asked for the text to be gone.
        stats.inc('pages');
        stats.inc('dropped_takedown');
      } else if ('page' in outcome) {
        stats.inc('pages');
        // A page cut at the extractor's cap is counted, not silently shortened (its log line names the URL).
        if (outcome.page.extractTruncated) stats.inc('extract_truncated');
        const v = processPageText(outcome.page.text, config);
        const doc = {
          id: outcome.page.id,
          url: outcome.page.url,
          warc_file: location,
          // Per-record gzip and plain files: the record's byte offset; whole-file gzip: its decompressed offset.
          warc_offset: rec.offset + rec.within,
        };
        if (v.keep) {
          stats.inc('kept');
          writer.push({ ...doc, text: v.text, lang: v.lang, lang_score: v.langScore });
        } else {
          stats.inc(`dropped_${v.reason}`);
          if (config.excluded) ctx.exclude({ ...doc, text: scrubPii(outcome.page.text, config), lang: v.lang ?? null, lang_score: v.langScore ?? null }, v.reason);
        }
      } else stats.inc(`skipped_${outcome.skip}`);
      handled({ offset: rec.offset, within: rec.within });
      ctx.progress(1, rec.contentLength);
      if (writer.shouldCommit() || signal.aborted || ++state.sinceCommit >= (config.commitRecords ?? Infinity)) {
        state.sinceCommit = 0;
        await writer.commit(cursorOf(state));
        if (signal.aborted) return 'stopped';
      }
    }
  } catch (err) {
    // Keep every record before the damage, then report it once.
    await writer.commit(cursorOf(state));
    if (signal.aborted) return 'stopped';
    if (err instanceof WarcTruncatedError || err instanceof WarcCorruptError) {
      stats.inc('warc_damaged_files');
      log.error('warc_damaged', { file: location, offset: err.offset, error: describeError(err) });
      // skip: this range ends at the damage; the task's other ranges are read as usual.
      if (config.onCorrupt === 'skip') return 'done';
    }
    return err instanceof KilnError ? err : new KilnError('KILN_WARC_READ', `${location}: ${(err as Error).message}`, { path: location }, { cause: err });
  }
  return 'done';
}

/** `kiln crawl --warc/--warc-list`: WARC/WET archives → filtered documents. */
export const archiveCrawlStage = defineStage<ArchiveCrawlConfig>({
  name: 'crawl-archive',
  module: import.meta.url,
  config: archiveCrawlConfig,
  // WARC files are opened by the task (warc-source.ts), s3:// ones streamed by ranged GETs.
  inputKind: 'locations',
  columns: () => ARCHIVE_COLUMNS,
  excludedColumns: (config) => (config.excluded ? [...ARCHIVE_COLUMNS, { name: 'reason', type: 'string' }] : undefined),
  plan: async (ctx): Promise<TaskPlan[]> => planArchiveTasks(await listWarcFiles(ctx.inputs, ctx.config), { tasks: ctx.tasks }),
  runTask: runArchiveTask,
  // Extraction is CPU-bound: documents are produced at a few MB/s per core, so small parts
  // per minute of work keep a kill cheap.
  chunk: { seconds: 30 },
});
