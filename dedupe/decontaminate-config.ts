import { z } from 'zod';
import { columnSpecSchema } from '../core/columns.js';

/** What decontamination checks and does: the settings a user (or a pipeline file) gives. */
export const decontaminateConfigSchema = z.object({
  /** Evaluation set files (JSONL, Parquet, plain text). */
  eval: z.array(z.string().min(1)).min(1),
  /** Words per n-gram; 13 as in GPT-3's contamination study (Brown et al. 2020, appendix C). */
  ngram: z.number().int().min(1).max(64).default(13),
  /** Fields of a JSONL/Parquet eval item that hold text (a string or a list of strings each). */
  evalFields: z.array(z.string().min(1)).min(1).default(['text']),
  /** Document column that is checked (and masked). */
  field: z.string().min(1).default('text'),
  /** drop: a contaminated document is removed; mask: the overlapping spans are cut out of it. */
  mode: z.enum(['drop', 'mask']).default('drop'),
  /** What replaces a masked span. */
  maskWith: z.string().default(''),
  /** Items with fewer words than `ngram`: `line` matches them against whole document lines (dolma), `skip` ignores them (datatrove). */
  shortItems: z.enum(['line', 'skip']).default('line'),
  /** Short items with fewer words than this are not checked (one or two words match too much ordinary text). */
  minItemWords: z.number().int().min(1).default(3),
  /** Distinct n-grams the eval sets may hold (24-48 B each, see eval-ngram-set.ts); more is refused. */
  maxNgrams: z.number().int().min(1).max(2 ** 30).default(16 * 1024 * 1024),
});

export type DecontaminateConfig = z.infer<typeof decontaminateConfigSchema>;
export type DecontaminateConfigInput = z.input<typeof decontaminateConfigSchema>;

/** Settings that shape the n-gram set (what eval-sets.ts reads). */
export type DecontaminateSettings = Pick<DecontaminateConfig, 'ngram' | 'evalFields' | 'shortItems' | 'minItemWords' | 'maxNgrams'>;

/** An eval file as the stage records it: absolute path, label and fingerprint of its bytes. */
export const evalFileSchema = z.object({ path: z.string(), label: z.string(), fingerprint: z.string() });
export type EvalFile = z.infer<typeof evalFileSchema>;

/** The stage's config: the settings plus what the run fixed at its start (eval fingerprints, output schema). */
export const decontaminateStageConfigSchema = decontaminateConfigSchema.extend({
  evalFiles: z.array(evalFileSchema).min(1),
  columns: z.array(columnSpecSchema.extend({ json: z.boolean().optional() })),
});
export type DecontaminateStageConfig = z.infer<typeof decontaminateStageConfigSchema>;
