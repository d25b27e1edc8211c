/** Config of the archive crawl stage (`kiln crawl --warc ... | --warc-list ...`). */
import { z } from 'zod';
import { qualityFilterConfig } from '../filters/index.js';
import { COMMON_CRAWL_PREFIX } from './warc-paths.js';
import { DEFAULT_MAX_BLOCK_BYTES } from './warc-reader.js';

/** Every knob of the archive stage, with its default. */
export const archiveCrawlConfig = z.object({
  /** WARC/WET files or URLs (in addition to the stage inputs). */
  warc: z.array(z.string()).default([]),
  /** Path lists (Common Crawl `warc.paths.gz` style), local or URL. */
  warcLists: z.array(z.string()).default([]),
  /** Prefix for the relative entries of path lists. */
  pathsPrefix: z.string().default(COMMON_CRAWL_PREFIX),
  /** Read at most this many files (after expanding lists); for samples of a crawl. */
  maxFiles: z.number().int().positive().optional(),
  /** false = `--no-filter`: keep every document with non-empty text. */
  filter: z.boolean().default(true),
  /** `--excluded`: also write the dropped documents, each with its `reason`, to `<out>/excluded/` (datatrove's exclusion writer). */
  excluded: z.boolean().default(false),
  /** HTML → text: 'main' (boilerplate removed) or 'plain' (all visible text); absent = 'main' (optional so existing outputs keep their config hash). */
  extractor: z.enum(['main', 'plain']).optional(),
  /** Languages to keep (ISO 639-1); empty keeps all. FineWeb keeps English. */
  languages: z.array(z.string()).default(['en']),
  /** Minimum language score (eld's scale; see crawl/extract/language.ts). */
  minLanguageScore: z.number().min(0).max(1).default(0.5),
  /** Gopher/C4/FineWeb thresholds (FineWeb's defaults). */
  quality: qualityFilterConfig.prefault({}),
  /** Replace e-mail and public IP addresses, as FineWeb does. */
  pii: z
    .object({
      emails: z.boolean().default(true),
      ips: z.boolean().default(true),
    })
    .prefault({}),
  /** WARC blocks larger than this are skipped (counted as record_too_large). */
  maxRecordBytes: z.number().int().positive().default(DEFAULT_MAX_BLOCK_BYTES),
  /** Decompressed HTTP bodies larger than this are skipped (payload_too_large). */
  maxPayloadBytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** Also commit after this many records (besides the writer's size/time limits); lower = less rework after a kill. */
  commitRecords: z.number().int().positive().optional(),
  /** A truncated/corrupt file: fail its task (default; the rest of the run finishes) or log and count it. */
  onCorrupt: z.enum(['fail', 'skip']).default('fail'),
  /**
   * A takedown deny list (core/deny-list.ts, written by `kiln takedown`): records whose URL, domain
   * or id it names are dropped as `dropped_takedown`. A pipeline points it at its takedown state;
   * optional so existing outputs keep their config hash.
   */
  denyList: z.string().optional(),
});
export type ArchiveCrawlConfig = z.infer<typeof archiveCrawlConfig>;
