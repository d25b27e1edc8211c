// The one place where a command learns it was asked to stop (SIGINT, SIGTERM) and says so at its
// end: exit 130 / 143 like a shell expects from an interrupted program (so `a && b` never runs
// `b`), and one stderr line naming what was committed and the exact command that resumes.

let controller: AbortController | undefined;
let received: NodeJS.Signals | undefined;
let reported = false;

/** Exit status of a process stopped by `sig` (128 + signal number, as shells report it). */
export function stopExitCode(sig: NodeJS.Signals): number {
  return sig === 'SIGINT' ? 130 : 143;
}

/** An AbortSignal that fires on the first SIGTERM/SIGINT (clean stop after the current commit); a second one exits at once. One per process: every caller gets the same. */
export function stopSignal(): AbortSignal {
  if (controller) return controller.signal;
  const c = new AbortController();
  controller = c;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (c.signal.aborted) process.exit(stopExitCode(sig));
    received = sig;
    process.stderr.write(`kiln: ${sig}: stopping after the current commit (send again to exit now)\n`);
    c.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return c.signal;
}

/** The signal that asked this process to stop, if any. */
export function stoppedBy(): NodeJS.Signals | undefined {
  return received;
}

/** One argument quoted for a POSIX shell (left bare when that is safe). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as typed (`kiln` and its arguments, shell-quoted), plus `extra` arguments not already there. */
export function resumeCommand(extra: readonly string[] = []): string {
  const args = process.argv.slice(2);
  return ['kiln', ...args, ...extra.filter((a) => !args.includes(a))].map(shellQuote).join(' ');
}

/** What a stopped command committed: a kiln dataset to describe, and/or words of its own. */
export interface StopReport {
  /** Output kiln dataset: its done/pending tasks and committed rows are reported. */
  out?: string;
  /** What was kept, in the command's terms (a checkpoint, a shard generation's buckets, ...). */
  committed?: string;
  /** Arguments the resume needs that the user did not type (train's `--resume`). */
  resumeArgs?: string[];
}

async function describe(report: StopReport): Promise<string> {
  const parts: string[] = [];
  // Loaded only when a stop is reported: bin.ts imports this file for every command.
  const [{ datasetStatus }, { isKilnDataset }] = await Promise.all([import('../core/dataset-status.js'), import('../core/input-files.js')]);
  if (report.out && (await isKilnDataset(report.out))) {
    const s = await datasetStatus(report.out);
    parts.push(`${s.stage} ${s.complete ? 'finished' : 'committed'} ${s.done.length} of ${s.tasks} tasks (${s.tasks - s.done.length} pending), ${s.rows} rows in ${report.out}`);
  }
  if (report.committed) parts.push(report.committed);
  return parts.join('; ') || 'nothing committed yet';
}

/**
 * At a command's end: when a stop signal came, prints `kiln: stopped by SIG…: <what was
 * committed>; resume with: <command>`, sets the exit status to 130/143 and returns true (the
 * command then prints no success table). Returns false when no signal came.
 */
export async function endIfStopped(report: StopReport = {}): Promise<boolean> {
  const sig = received;
  if (!sig) return false;
  reported = true;
  process.stderr.write(`kiln: stopped by ${sig}: ${await describe(report)}; resume with: ${resumeCommand(report.resumeArgs)}\n`);
  process.exitCode = stopExitCode(sig);
  return true;
}

/** For a long-running command whose normal end is a stop signal (`kiln schedule`): exit 0, no resume line. */
export function stopIsNormalEnd(): void {
  reported = true;
}

/** For the process's end: a command stopped by a signal that did not report it (it failed while stopping) still exits 130/143 with the resume line. */
export async function reportUnreportedStop(): Promise<void> {
  if (received && !reported) await endIfStopped();
}
