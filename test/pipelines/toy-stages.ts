// Small stages for pipeline tests: real defineStage stages (core runs them), tiny and fast.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DOCUMENT_COLUMNS } from '../../core/columns.js';
import { defineStage } from '../../core/stage.js';

/** Generates `count` documents spread over its tasks; text depends on `prefix` and `version`. */
export const toySource = defineStage({
  name: 'toy-source',
  module: import.meta.url,
  config: z.object({ count: z.int().positive().default(20), prefix: z.string().default('doc'), version: z.int().default(1) }),
  columns: () => [...DOCUMENT_COLUMNS],
  plan: async ({ tasks }) => Array.from({ length: tasks ?? 2 }, (_, index) => ({ index, inputs: [] })),
  runTask: async (ctx) => {
    let next = (ctx.writer.cursor as number | undefined) ?? ctx.task.index;
    for (; next < ctx.config.count; next += ctx.taskCount) {
      const id = `${ctx.config.prefix}-${next}`;
      // Every third document changes with `version`: incremental runs see new and changed docs.
      const text = `${id} body ${next % 3 === 0 ? `v${ctx.config.version}` : 'stable'} words words`;
      ctx.writer.push({ id, text, url: `http://toy.invalid/${id}` });
      ctx.stats.inc('generated');
    }
    await ctx.writer.commit(next);
  },
});

/**
 * Upper-cases text; throws on a doc whose text contains `failOn`; sleeps `delayMs` per row; waits
 * until the file `holdUntil` exists before its first row (lock tests hold a run open this way).
 */
export const toyUpper = defineStage({
  name: 'toy-upper',
  module: import.meta.url,
  config: z.object({ delayMs: z.int().nonnegative().default(0), failOn: z.string().optional(), holdUntil: z.string().optional() }),
  columns: () => [...DOCUMENT_COLUMNS],
  map: async function* (rows, ctx) {
    const hold = ctx.config.holdUntil;
    if (hold) while (!(await fs.stat(hold).then(() => true, () => false)) && !ctx.signal.aborted) await new Promise((r) => setTimeout(r, 50));
    for await (const row of rows) {
      const text = String(row.text);
      if (ctx.config.failOn && text.includes(ctx.config.failOn)) throw new Error(`toy failure on document ${String(row.id)}`);
      if (ctx.config.delayMs) await new Promise((r) => setTimeout(r, ctx.config.delayMs));
      ctx.stats.inc('tokens', text.split(' ').length);
      yield { ...row, text: text.toUpperCase() };
    }
  },
});

/**
 * A stand-in for dedupe with a persistent index: drops documents whose exact text an earlier
 * run kept. The index is a folder of one file per kept text hash (enough for tests).
 */
export const toyDedupe = defineStage({
  name: 'dedupe',
  module: import.meta.url,
  config: z.object({ index: z.string().optional() }),
  columns: () => [...DOCUMENT_COLUMNS],
  inline: true,
  map: async function* (rows, ctx) {
    const seen = ctx.config.index;
    if (seen) await fs.mkdir(seen, { recursive: true });
    for await (const row of rows) {
      const key = Buffer.from(String(row.text)).toString('base64url').slice(0, 200);
      if (seen) {
        const marker = path.join(seen, key);
        const exists = await fs.stat(marker).then(() => true, () => false);
        if (exists) {
          ctx.stats.inc('dropped_seen_before');
          continue;
        }
        await fs.writeFile(marker, '');
      }
      yield row;
    }
  },
});
