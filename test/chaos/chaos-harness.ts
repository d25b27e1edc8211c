// Runs a kiln command as a child process, SIGKILLs it at random moments, resumes it, and checks
// after every completion that the output equals an uninterrupted run's. When a run completes
// before the wanted number of kills, its output is checked, wiped, and the killing goes on, so
// every kill is followed by a resume that is checked.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { rng } from '../core/corpus.js';

export interface ChaosOptions {
  /** Node arguments of the stage run: a script (often the kiln CLI, `kilnBin`) and its arguments. */
  args: string[];
  out: string;
  /** Kills to land. */
  kills: number;
  /** Kill delay range after start: fixed ms, or `referenceMs` (an uninterrupted run's wall time), spread over 15-95% of it whatever this machine's speed. */
  delays: { minMs: number; maxMs: number } | { referenceMs: number };
  seed?: number;
  /** Compares a completed output with the reference; throws on a difference. */
  check: () => Promise<void>;
  env?: Record<string, string>;
  /** Puts the input back after a checked completion, for the next kills (default: removes `out`; a command that edits its input in place, like a takedown, restores a copy). */
  reset?: () => Promise<void>;
}

export interface ChaosResult {
  kills: number;
  completions: number;
}

/** How one run ended: its exit code or signal, whether that signal was the harness's own SIGKILL, stderr and wall time. */
export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True only when the child died of the SIGKILL this harness sent; any other signal death is a crash. */
  killedByUs: boolean;
  stderr: string;
  ms: number;
}

/**
 * When to SIGKILL a run: after a delay in ms, or when a trigger fires — `arm(kill)` is called at
 * the start, calls `kill()` on the event it waits for, and returns its disarm function.
 */
export type KillWhen = number | ((kill: () => void) => () => void);

/** Runs `node ...args` once (in `cwd` when given), SIGKILLing it when `killWhen` says (never when absent). */
export function runNode(args: string[], env: Record<string, string> = {}, killWhen?: KillWhen, cwd?: string): Promise<RunEnd> {
  const started = performance.now();
  return new Promise((resolve) => {
    // No V8 coverage for children killed on purpose: a kill mid-write leaves a truncated file.
    // The key must stay, set to undefined: spawn copies a parent's NODE_V8_COVERAGE into any env
    // that lacks the key (deleting it is not enough), and leaves undefined values out.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, KILN_LOG: 'silent', ...env, NODE_V8_COVERAGE: undefined };
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: childEnv });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const kill = (): void => {
      sent ||= child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
    };
    let disarm: (() => void) | undefined;
    if (typeof killWhen === 'number') {
      const timer = setTimeout(kill, killWhen);
      disarm = () => clearTimeout(timer);
    } else if (killWhen) disarm = killWhen(kill);
    child.on('exit', (code, signal) => {
      disarm?.();
      resolve({ code, signal, killedByUs: sent && signal === 'SIGKILL', stderr, ms: performance.now() - started });
    });
  });
}

/** Throws unless `end` is a clean exit (0) or the harness's own kill: a crash (SIGSEGV, SIGABRT, a SIGKILL from elsewhere) or a failure exit fails the test. */
function assertNotCrashed(end: RunEnd, what: string): void {
  if (end.killedByUs || end.code === 0) return;
  const how = end.signal !== null ? `died of ${end.signal}, which the harness did not send` : `exited ${end.code}`;
  throw new Error(`${what} ${how}: ${end.stderr}`);
}

/** Kills and resumes `args` until `kills` kills landed, checking every completed output. */
export async function chaos(o: ChaosOptions): Promise<ChaosResult> {
  const r = rng(o.seed ?? 1);
  const [minMs, maxMs] = 'referenceMs' in o.delays ? [o.delays.referenceMs * 0.15, o.delays.referenceMs * 0.95] : [o.delays.minMs, o.delays.maxMs];
  let kills = 0;
  let completions = 0;
  for (let attempt = 0; kills < o.kills; attempt++) {
    if (attempt > o.kills * 6) throw new Error(`only ${kills} of ${o.kills} kills landed in ${attempt} attempts`);
    const delay = minMs + Math.floor(r() * (maxMs - minMs));
    const end = await runNode(o.args, o.env, delay);
    assertNotCrashed(end, `run ${attempt + 1} (after ${kills} kills)`);
    if (end.killedByUs) {
      kills++;
      continue;
    }
    await o.check();
    completions++;
    await (o.reset ?? (() => fs.rm(o.out, { recursive: true, force: true })))();
  }
  assertNotCrashed(await runNode(o.args, o.env), 'final resume');
  await o.check();
  return { kills, completions: completions + 1 };
}
