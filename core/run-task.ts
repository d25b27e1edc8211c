import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { readCommits } from './commit-record.js';
import { layout } from './dataset-layout.js';
import type { DatasetManifest, DoneMarker } from './dataset-manifest.js';
import type { Row } from './document.js';
import { readInputRows } from './input-files.js';
import type { Logger } from './log.js';
import type { StageDefinition, TaskContext } from './stage.js';
import { TaskWriter } from './task-writer.js';
import { makeDirs } from './make-dirs.js';

/** Where a map stage is in its task's inputs: file index and rows consumed in it. */
export interface RowCursor {
  file: number;
  row: number;
}

/** Hooks a task reports through (a worker forwards them to the main thread). */
export interface TaskHooks {
  progress(rows: number, bytes: number): void;
  log: Logger;
  signal: AbortSignal;
}

async function runMap<C>(stage: StageDefinition<C>, ctx: TaskContext<C>): Promise<void> {
  const start = (ctx.writer.cursor as RowCursor | undefined) ?? { file: 0, row: 0 };
  const inputs = ctx.task.inputs;
  // Commits happen when the stage pulls its next row: by then every output of the rows before it
  // has been yielded and pushed (the map contract), so `position` is exactly what was consumed.
  async function* rows(): AsyncGenerator<Row> {
    const position: RowCursor = { ...start };
    for (let f = start.file; f < inputs.length; f++) {
      position.file = f;
      position.row = f === start.file ? start.row : 0;
      for await (const row of readInputRows(inputs[f], { fromRow: position.row })) {
        if (ctx.writer.shouldCommit() || ctx.signal.aborted) {
          await ctx.writer.commit({ ...position });
          if (ctx.signal.aborted) return;
        }
        position.row++;
        ctx.progress(1, typeof row.text === 'string' ? row.text.length : 0);
        yield row;
      }
    }
    await ctx.writer.commit({ file: inputs.length, row: 0 });
  }
  for await (const out of stage.map!(rows(), ctx)) ctx.writer.push(out);
}

/** Runs (or resumes) one task of a planned dataset in this thread; writes its done marker. */
export async function runTask<C>(stage: StageDefinition<C>, manifest: DatasetManifest, out: string, index: number, hooks: TaskHooks): Promise<DoneMarker | undefined> {
  const started = Date.now();
  const config = stage.config.parse(manifest.config);
  const task = manifest.tasks[index];
  const writer = await TaskWriter.open(out, index, manifest.columns, stage.chunk);
  const excludedColumns = stage.excludedColumns?.(config);
  let exclude: TaskContext<C>['exclude'] = () => undefined;
  if (excludedColumns) {
    const side = await TaskWriter.open(layout.excluded(out), index, excludedColumns, stage.chunk, { rollbackFrom: writer.chunksCommitted });
    writer.attachSide(side);
    exclude = (row, reason) => side.push({ ...row, reason });
  }
  const ctx: TaskContext<C> = {
    config,
    task,
    taskCount: manifest.taskCount,
    out,
    writer,
    stats: writer.stats,
    exclude,
    log: hooks.log.child({ stage: stage.name, task: index }),
    progress: hooks.progress,
    signal: hooks.signal,
  };
  if (stage.map) await runMap(stage, ctx);
  else await stage.runTask!(ctx);
  if (writer.pendingAllRows > 0) {
    // Committing them here would pair them with a stale cursor: a resume would write them twice.
    throw new Error(`stage ${stage.name} task ${index} returned with ${writer.pendingAllRows} uncommitted rows; call writer.commit(cursor) before returning`);
  }
  // A stopped task (SIGTERM) has committed what it had but is not done: no marker.
  if (hooks.signal.aborted) return undefined;
  const commits = await readCommits(out, index);
  const done: DoneMarker = {
    task: index,
    rows: commits.reduce((s, c) => s + c.rows, 0),
    bytes: commits.reduce((s, c) => s + c.bytes, 0),
    chunks: commits.length,
    stats: writer.stats.toJSON(),
    seconds: (Date.now() - started) / 1000,
  };
  if (excludedColumns) {
    // The excluded side dataset is a kiln dataset of its own: its task is done with the main one
    // (written first, so a kill between the two markers only repeats this step).
    const side = layout.excluded(out);
    const sideCommits = await readCommits(side, index);
    const sideDone: DoneMarker = { ...done, rows: sideCommits.reduce((s, c) => s + c.rows, 0), bytes: sideCommits.reduce((s, c) => s + c.bytes, 0), chunks: sideCommits.length, stats: {} };
    await makeDirs(layout.done(side));
    await writeFileAtomic(layout.doneMarker(side, index), JSON.stringify(sideDone));
  }
  await makeDirs(layout.done(out));
  await writeFileAtomic(layout.doneMarker(out, index), JSON.stringify(done));
  await fs.rm(layout.failedMarker(out, index), { force: true });
  return done;
}
