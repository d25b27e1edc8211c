// An example custom stage: copy this file to start your own. A `map` stage gets the task's
// documents in order and yields the ones to keep; kiln gives it tasks, commits, resume and
// progress. Use it from a pipeline file with `module:` (see custom-stage.yaml).
import { z } from 'zod';
import { DOCUMENT_COLUMNS } from '../../core/columns.js';
import { defineStage } from '../../core/stage.js';

/** Keeps documents whose word count lies in [minWords, maxWords]; counts why others were dropped. */
export const lengthFilter = defineStage({
  name: 'length-filter',
  module: import.meta.url,
  config: z.object({
    minWords: z.int().nonnegative().default(50),
    maxWords: z.int().positive().default(100_000),
  }),
  columns: () => [...DOCUMENT_COLUMNS],
  map: async function* (docs, ctx) {
    for await (const doc of docs) {
      const words = String(doc.text ?? '').split(/\s+/).filter(Boolean).length;
      if (words < ctx.config.minWords) ctx.stats.inc('dropped_too_short');
      else if (words > ctx.config.maxWords) ctx.stats.inc('dropped_too_long');
      else {
        ctx.stats.inc('kept');
        yield { id: doc.id, text: doc.text, url: doc.url ?? null };
      }
    }
  },
});
