/**
 * Per-step cost of a dedupe run, logged as `dedupe_step_done` {step, cpu_ms, wall_ms}: what a
 * benchmark needs to tell the serial step (clusters) from the ones more tasks divide. CPU is
 * the whole process's (getrusage: every thread, worker threads included).
 */
import type { Logger } from '../core/log.js';

/** Runs one step of a dedupe run and logs its CPU and wall milliseconds when it returns. */
export async function timeDedupeStep<T>(log: Logger, step: string, run: () => Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  log.info('dedupe_step_done', { step, cpu_ms: Math.round((used.user + used.system) / 1000), wall_ms: Math.round(performance.now() - wall) });
  return result;
}
