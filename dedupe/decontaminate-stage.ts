// The decontaminate stage: documents that share an n-gram with an evaluation item are dropped
// (mode drop) or have the shared spans cut out (mode mask). Each dropped or masked document goes
// to the excluded dataset (<out>/excluded/) with the eval file and item it hit, committed in
// lockstep with the output, so a resume neither loses nor repeats one.
import type { ColumnSpec } from '../core/columns.js';
import { CorruptInputError } from '../core/errors.js';
import { defineStage } from '../core/stage.js';
import { ContaminationFinder, maskSpans } from './contamination.js';
import { decontaminateStageConfigSchema, type DecontaminateStageConfig } from './decontaminate-config.js';
import { buildEvalIndex, type EvalIndex } from './eval-sets.js';
import { conformRow, type OutputColumn } from './input-schema.js';

/** Columns the excluded dataset adds to the documents' own (besides `reason`). */
export const EXCLUDED_HIT_COLUMNS: ColumnSpec[] = [
  { name: 'eval_file', type: 'string' },
  { name: 'eval_item', type: 'string' },
  { name: 'eval_match', type: 'string' },
];

// One worker thread runs several tasks of a run (core reuses workers): the set is built once.
let cached: { key: string; index: Promise<EvalIndex> } | undefined;

function evalIndexFor(c: DecontaminateStageConfig): Promise<EvalIndex> {
  const key = JSON.stringify([c.evalFiles, c.ngram, c.evalFields, c.shortItems, c.minItemWords, c.maxNgrams]);
  if (cached?.key !== key) cached = { key, index: buildEvalIndex(c.evalFiles, c, true) };
  return cached.index;
}

/** The decontaminate stage (run it through runDecontaminate, which fixes eval fingerprints and the schema). */
export const decontaminateStage = defineStage<DecontaminateStageConfig>({
  name: 'decontaminate',
  module: import.meta.url,
  config: decontaminateStageConfigSchema,
  columns: (c) => c.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
  excludedColumns: (c) => [...c.columns.map(({ name, type, nullable }) => ({ name, type, nullable })), ...EXCLUDED_HIT_COLUMNS, { name: 'reason', type: 'string' }],
  async *map(rows, ctx) {
    const c = ctx.config;
    const index = await evalIndexFor(c);
    const finder = new ContaminationFinder(index, c.ngram);
    const columns = c.columns as OutputColumn[];
    const mask = c.mode === 'mask';
    for await (const r of rows) {
      const text = r[c.field];
      if (typeof text !== 'string') {
        throw new CorruptInputError(`document ${String(r.id)} has no string field "${c.field}" (fields: ${Object.keys(r).join(', ')}); choose the field with --field`, { record: String(r.id), key: c.field });
      }
      ctx.stats.inc('documents');
      const hits = finder.find(text, mask);
      if (hits.length === 0) {
        ctx.stats.inc('kept');
        yield conformRow(columns, r);
        continue;
      }
      const first = hits[0];
      const label = index.files[index.itemFile[first.item]];
      // Once per document and eval file it hit (drop mode stops at the first hit).
      for (const f of new Set(hits.map((h) => index.itemFile[h.item]))) ctx.stats.inc(`contaminated:${index.files[f]}`);
      const row = conformRow(columns, r);
      ctx.exclude({ ...row, eval_file: label, eval_item: index.itemRef[first.item], eval_match: text.slice(first.start, first.end) }, mask ? 'masked' : 'contaminated');
      if (!mask) {
        ctx.stats.inc('dropped_contaminated');
        continue;
      }
      ctx.stats.inc('masked');
      ctx.stats.inc('masked_spans', hits.length);
      yield { ...row, [c.field]: maskSpans(text, hits, c.maskWith) };
    }
  },
});
