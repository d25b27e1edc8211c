/**
 * The archive half of `kiln crawl`: WARC/WET files (paths, URLs, Common Crawl path lists) →
 * documents. A task reads one or more byte ranges of files (archive-task-plan.ts: small files
 * grouped, big .warc.gz files split at gzip member starts); the cursor is the position of the
 * last record handled, so a killed task resumes at that record (a range request for URLs),
 * not at the range start.
 */
import type { ColumnSpec } from '../../core/columns.js';
import { describeError, KilnError } from '../../core/errors.js';
import { defineStage, type TaskContext, type TaskPlan } from '../../core/stage.js';
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

/** A task's cursor: the last record handled, and which of the task's ranges it is in (absent in cursors written before ranges). */
interface ArchiveCursor extends WarcResumePoint {
  range?: number;
}

async function runArchiveTask(ctx: TaskContext<ArchiveCrawlConfig>): Promise<void> {
  const { writer } = ctx;
  const ranges = taskRanges(ctx.task);
  const resume = writer.cursor as ArchiveCursor | undefined;
  const state = { last: resume, sinceCommit: 0 };
  for (let r = resume?.range ?? 0; r < ranges.length; r++) {
    const from = resume && (resume.range ?? 0) === r ? { offset: resume.offset, within: resume.within } : undefined;
    const outcome = await readRange(ctx, ranges[r], r, from, state);
    if (outcome === 'stopped') return;
  }
  await writer.commit(state.last);
}

/** Reads one range's records into the task's writer; 'stopped' when the run was aborted. */
async function readRange(ctx: TaskContext<ArchiveCrawlConfig>, range: ArchiveRange, r: number, resume: WarcResumePoint | undefined, state: { last?: ArchiveCursor; sinceCommit: number }): Promise<'done' | 'stopped'> {
  const { config, writer, stats, log, signal } = ctx;
  const location = range.warc;
  const source = openWarcSource(location, resume?.offset ?? range.start, signal);
  try {
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
      if ('page' in outcome) {
        stats.inc('pages');
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
      state.last = { range: r, offset: rec.offset, within: rec.within };
      ctx.progress(1, rec.contentLength);
      if (writer.shouldCommit() || signal.aborted || ++state.sinceCommit >= (config.commitRecords ?? Infinity)) {
        state.sinceCommit = 0;
        await writer.commit(state.last);
        if (signal.aborted) return 'stopped';
      }
    }
  } catch (err) {
    // Keep every record before the damage, then report it once.
    await writer.commit(state.last);
    if (signal.aborted) return 'stopped';
    if (err instanceof WarcTruncatedError || err instanceof WarcCorruptError) {
      stats.inc('warc_damaged_files');
      log.error('warc_damaged', { file: location, offset: err.offset, error: describeError(err) });
      // skip: this range ends at the damage; the task's other ranges are still read.
      if (config.onCorrupt === 'skip') return 'done';
    }
    throw err instanceof KilnError ? err : new KilnError('KILN_WARC_READ', `${location}: ${(err as Error).message}`, { path: location }, { cause: err });
  }
  return 'done';
}

/** `kiln crawl --warc/--warc-list`: WARC/WET archives → filtered documents. */
export const archiveCrawlStage = defineStage<ArchiveCrawlConfig>({
  name: 'crawl-archive',
  module: import.meta.url,
  config: archiveCrawlConfig,
  columns: () => ARCHIVE_COLUMNS,
  excludedColumns: (config) => (config.excluded ? [...ARCHIVE_COLUMNS, { name: 'reason', type: 'string' }] : undefined),
  plan: async (ctx): Promise<TaskPlan[]> => planArchiveTasks(await listWarcFiles(ctx.inputs, ctx.config), { tasks: ctx.tasks }),
  runTask: runArchiveTask,
  // Extraction is CPU-bound: documents are produced at a few MB/s per core, so small parts
  // per minute of work keep a kill cheap.
  chunk: { seconds: 30 },
});
