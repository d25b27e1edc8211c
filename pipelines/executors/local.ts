import { promises as fs } from 'node:fs';
import path from 'node:path';
import { layout } from '../../core/dataset-layout.js';
import { describeError } from '../../core/errors.js';
import { runPlannedStage } from '../run-planned-stage.js';
import { documentsOf, tokensOf, type StageReport, type TaskFailure } from '../stage-report.js';
import { stagesToRun, type Executor } from './executor.js';

/** Failed-task markers core wrote for `out` (`_kiln/failed/TTTTT`). */
export async function readFailedTasks(out: string): Promise<TaskFailure[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.failed(out));
  } catch {
    return [];
  }
  const failures: TaskFailure[] = [];
  for (const name of names.filter((n) => /^\d+$/.test(n)).sort()) {
    const marker = JSON.parse(await fs.readFile(path.join(layout.failed(out), name), 'utf8').catch(() => '{}')) as { code?: string; message?: string };
    failures.push({ task: Number(name), state: marker.code ?? 'FAILED', message: marker.message });
  }
  return failures;
}

/** Runs every stage on this machine, in order, phase after phase (worker threads per task). */
export const runLocal: Executor = async (plan, options) => {
  const reports: StageReport[] = [];
  const run = stagesToRun(plan);
  let previousRows: number | undefined;
  for (const [i, s] of plan.stages.entries()) {
    const docsIn = s.entry.inputs ? undefined : previousRows;
    if (!run[i]) {
      const st = s.state.success;
      const stats = st?.stats ?? {};
      reports.push({ key: s.key, stage: s.stage.name, out: s.out, status: 'skipped', docsIn, docsOut: documentsOf(s.state.rows, stats), bytes: s.state.bytes, tokens: tokensOf(stats), seconds: 0, stats, extra: s.state.extra ?? st?.extra });
      previousRows = documentsOf(s.state.rows, stats);
      continue;
    }
    if (options.signal?.aborted) break;
    const started = Date.now();
    try {
      const summary = await runPlannedStage(s, {
        workers: options.workers ?? plan.pipeline.workers,
        overwrite: options.overwrite,
        signal: options.signal,
        log: options.log.child({ stage: s.key }),
        quiet: options.quiet,
      });
      reports.push({
        key: s.key,
        stage: s.stage.name,
        out: s.out,
        status: summary.skipped ? 'skipped' : summary.stopped ? 'stopped' : 'ran',
        docsIn,
        docsOut: documentsOf(summary.rows, summary.stats),
        bytes: summary.bytes,
        tokens: tokensOf(summary.stats),
        seconds: summary.seconds,
        stats: summary.stats,
        extra: summary.extra,
      });
      previousRows = documentsOf(summary.rows, summary.stats);
      // A stage whose phases stopped (SIGTERM) stops the pipeline.
      if (summary.stopped || options.signal?.aborted) {
        reports[reports.length - 1].status = 'stopped';
        break;
      }
    } catch (err) {
      const failures = await readFailedTasks(s.out);
      reports.push({
        key: s.key,
        stage: s.stage.name,
        out: s.out,
        status: 'failed',
        docsIn,
        docsOut: 0,
        bytes: 0,
        seconds: (Date.now() - started) / 1000,
        stats: {},
        failures: failures.length ? failures : [{ task: '-', state: 'FAILED', message: describeError(err) }],
      });
      return { reports, error: err };
    }
  }
  return { reports };
};
