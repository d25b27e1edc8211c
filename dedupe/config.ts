import { z } from 'zod';

/** What dedupe does: the part of its settings that decides which documents survive. */
export const dedupeConfigSchema = z.object({
  /** Estimated Jaccard at or above which two documents are near duplicates. */
  threshold: z.number().gt(0).max(1).default(0.8),
  /** Words per shingle. */
  ngram: z.number().int().min(1).max(64).default(5),
  /** LSH bands; bands x rows = MinHash permutations. */
  bands: z.number().int().min(1).max(64).default(14),
  /** Minima per band. */
  rows: z.number().int().min(1).max(64).default(8),
  /** Only remove exact (normalised) copies; no MinHash. */
  exactOnly: z.boolean().default(false),
  /** Which member of a duplicate cluster is kept: earliest or latest in input order. */
  keep: z.enum(['first', 'last']).default('first'),
  /**
   * How many earlier members of an LSH bucket each document is verified against. Bounds the work
   * on huge buckets (boilerplate pages); members already in one cluster are skipped for free.
   */
  maxCandidates: z.number().int().min(1).max(1024).default(32),
  /** Persistent index directory (absolute), or null. */
  index: z.string().nullable().default(null),
});

export type DedupeConfig = z.infer<typeof dedupeConfigSchema>;
export type DedupeConfigInput = z.input<typeof dedupeConfigSchema>;

/** Settings of the signature phase (a subset: changing the threshold keeps signatures valid). */
export const signatureConfigSchema = z.object({
  ngram: z.number().int().min(1),
  permutations: z.number().int().min(0),
  exactOnly: z.boolean(),
});

export type SignatureConfig = z.infer<typeof signatureConfigSchema>;

/** MinHash permutations a config needs (0 when exact only). */
export function permutationsOf(config: Pick<DedupeConfig, 'bands' | 'rows' | 'exactOnly'>): number {
  return config.exactOnly ? 0 : config.bands * config.rows;
}

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i;
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** Parses a size such as `1GB`, `512MiB`, `2g` to bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}
