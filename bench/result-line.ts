// The machine-readable line every bench prints for `npm run bench` (bench/run.ts): one
// `RESULT {json}` line per row of the summary table, with the load average at that moment.
import os from 'node:os';

/** One summary row: what was measured, against whom, and kiln's speed over the peer's (> 1: kiln faster). */
export interface ResultRow {
  bench: string;
  what: string;
  peer: string;
  /** kiln speed / peer speed (wall), or undefined for a quality row (then `figure` says it). */
  ratio?: number;
  /** kiln speed / peer speed per CPU-second, where the bench measures it. */
  cpuRatio?: number;
  /** The figure as the table shows it when it is no speed ratio (precision/recall, RSS ratio...). */
  figure?: string;
  [extra: string]: unknown;
}

/** Prints `RESULT {json}` for one summary row, adding the load average. */
export function printResult(row: ResultRow): void {
  console.log(`RESULT ${JSON.stringify({ ...row, load: os.loadavg().map((x) => Number(x.toFixed(2))) })}`);
}
