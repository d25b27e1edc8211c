// A small map stage for core's tests: upper-cases text, counts, and can be slowed down so a
// test can kill it mid-run.
import { z } from 'zod';
import { DOCUMENT_COLUMNS } from '../../core/columns.js';
import { defineStage } from '../../core/stage.js';

const config = z.object({
  suffix: z.string().default(''),
  /** Sleep this many ms every 10 rows, so kills land mid-task. */
  slowMs: z.number().int().min(0).default(0),
  chunkRows: z.number().int().positive().default(200_000),
});

export const toyStage = defineStage({
  name: 'toy-upper',
  module: import.meta.url,
  config,
  columns: () => [...DOCUMENT_COLUMNS, { name: 'chars', type: 'int32' }],
  chunk: { rows: 40 },
  async *map(rows, ctx) {
    let n = 0;
    for await (const row of rows) {
      if (ctx.config.slowMs && ++n % 10 === 0) await new Promise((r) => setTimeout(r, ctx.config.slowMs));
      const text = String(row.text);
      if (text.startsWith('DROP')) {
        ctx.stats.inc('dropped_marker');
        continue;
      }
      ctx.stats.inc('kept');
      yield { id: String(row.id), text: text.toUpperCase() + ctx.config.suffix, url: (row.url as string | undefined) ?? null, chars: text.length };
    }
  },
});
