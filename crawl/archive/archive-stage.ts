/**
 * The archive half of `kiln crawl`: WARC/WET files (paths, URLs, Common Crawl path lists) →
 * documents. One task per file; the cursor is the position of the last record handled, so
 * a killed task resumes at that record (a range request for URLs), not at the file start.
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
import { WarcCorruptError, WarcTruncatedError } from './errors.js';

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

async function runArchiveTask(ctx: TaskContext<ArchiveCrawlConfig>): Promise<void> {
  const { config, writer, stats, log, signal } = ctx;
  // Read per task, at its start: a takedown between two runs (or between a kill and its resume) is honoured.
  const deny = config.denyList ? await readDenyList(path.resolve(config.denyList)) : undefined;
  const location = ctx.task.warc as string;
  const resume = writer.cursor as WarcResumePoint | undefined;
  let last: WarcResumePoint | undefined = resume;
  let sinceCommit = 0;
  const source = openWarcSource(location, resume?.offset ?? 0, signal);
  try {
    for await (const rec of readWarcRecords(source, location, { maxBlockBytes: config.maxRecordBytes, resume })) {
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
      last = { offset: rec.offset, within: rec.within };
      ctx.progress(1, rec.contentLength);
      if (writer.shouldCommit() || signal.aborted || ++sinceCommit >= (config.commitRecords ?? Infinity)) {
        sinceCommit = 0;
        await writer.commit(last);
        if (signal.aborted) return;
      }
    }
  } catch (err) {
    // Keep every record before the damage, then report it once.
    await writer.commit(last);
    if (signal.aborted) return;
    if (err instanceof WarcTruncatedError || err instanceof WarcCorruptError) {
      stats.inc('warc_damaged_files');
      log.error('warc_damaged', { file: location, offset: err.offset, error: describeError(err) });
      if (config.onCorrupt === 'skip') {
        await writer.commit(last);
        return;
      }
    }
    throw err instanceof KilnError ? err : new KilnError('KILN_WARC_READ', `${location}: ${(err as Error).message}`, { path: location }, { cause: err });
  }
  await writer.commit(last);
}

/** `kiln crawl --warc/--warc-list`: WARC/WET archives → filtered documents. */
export const archiveCrawlStage = defineStage<ArchiveCrawlConfig>({
  name: 'crawl-archive',
  module: import.meta.url,
  config: archiveCrawlConfig,
  columns: () => ARCHIVE_COLUMNS,
  excludedColumns: (config) => (config.excluded ? [...ARCHIVE_COLUMNS, { name: 'reason', type: 'string' }] : undefined),
  plan: async (ctx): Promise<TaskPlan[]> => {
    const files = await listWarcFiles(ctx.inputs, ctx.config);
    return files.map((warc, index) => ({ index, inputs: [], warc }));
  },
  runTask: runArchiveTask,
  // Extraction is CPU-bound: documents are produced at a few MB/s per core, so small parts
  // per minute of work keep a kill cheap.
  chunk: { seconds: 30 },
});
