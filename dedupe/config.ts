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
