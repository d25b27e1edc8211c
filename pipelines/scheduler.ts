import { Cron } from 'croner';
import { UsageError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { loadPipeline, type RegistrySource } from './load-pipeline.js';
import { PipelineLockedError } from './lock.js';
import { runPipeline } from './runner.js';
import { builtinRegistry } from './stage-registry.js';

/** Options of schedulePipeline (`kiln schedule`). */
export interface ScheduleOptions {
  /** Cron expression; default the pipeline file's `schedule:`. Seconds field allowed (6 fields). */
  cron?: string;
  registry?: RegistrySource;
  log?: Logger;
  /** Stops the scheduler: the running stage commits, the run ends, then this resolves. */
  signal?: AbortSignal;
  /** Stop after this many runs (tests, one-off catch-up). */
  maxRuns?: number;
}

/** Validates a cron expression with croner; a bad one is a usage error naming it. */
export function parseCron(expr: string): Cron {
  try {
    return new Cron(expr, { paused: true });
  } catch (err) {
    throw new UsageError(`invalid cron expression "${expr}": ${(err as Error).message}`, { key: 'schedule' });
  }
}

/**
 * Runs the pipeline on a cron schedule until `signal` aborts. Runs never overlap: in this
 * process croner's `protect` skips a tick while a run is going, and across processes the
 * pipeline lock does (a tick that finds `kiln run` holding it is skipped with a log line).
 * Every event is one JSON log line.
 */
export async function schedulePipeline(file: string, options: ScheduleOptions = {}): Promise<{ runs: number }> {
  const registry = options.registry ?? builtinRegistry;
  const pipeline = await loadPipeline(file, registry);
  const expr = options.cron ?? pipeline.schedule;
  if (!expr) throw new UsageError(`pipeline ${pipeline.name} has no schedule: add schedule: "0 */6 * * *" to ${pipeline.file} or pass --cron`, { key: 'schedule' });
  parseCron(expr).stop();
  const log = options.log ?? createLogger({ pipeline: pipeline.name, component: 'scheduler' });
  const signal = options.signal ?? new AbortController().signal;
  let runs = 0;
  let current: Promise<void> | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));

  const tick = async (): Promise<void> => {
    if (signal.aborted) return;
    const started = Date.now();
    log.info('run_start', { cron: expr });
    try {
      const result = await runPipeline(file, { registry, signal, log, quiet: true });
      log.info('run_end', {
        status: result.status,
        generation: result.generation,
        seconds: (Date.now() - started) / 1000,
        stages: result.reports.map((r) => ({ stage: r.key, status: r.status, rows: r.docsOut })),
        next: job.nextRun()?.toISOString(),
      });
    } catch (err) {
      if (err instanceof PipelineLockedError) log.warn('run_skipped_locked', { holder: err.owner, next: job.nextRun()?.toISOString() });
      else log.error('run_failed', { error: describeError(err), seconds: (Date.now() - started) / 1000, next: job.nextRun()?.toISOString() });
    }
    runs++;
    if (options.maxRuns !== undefined && runs >= options.maxRuns) stop();
  };

  const job = new Cron(expr, {
    protect: () => log.warn('tick_skipped_busy', { reason: 'the previous run is still going' }),
  }, () => {
    current = tick();
    return current;
  });
  function stop(): void {
    job.stop();
    // The running stage sees the same signal, commits and returns; wait for that run to end.
    void (current ?? Promise.resolve()).then(() => {
      log.info('schedule_stop', { runs });
      finish();
    });
  }
  signal.addEventListener('abort', stop, { once: true });
  log.info('schedule_start', { cron: expr, next: job.nextRun()?.toISOString(), file: pipeline.file });
  await finished;
  signal.removeEventListener('abort', stop);
  return { runs };
}
