// Child process of resume.test.ts: runs dedupe and SIGKILLs itself at a chosen point, seen through
// the run's own log events (no test hook in the library). Without KILN_DEDUPE_CHILD it does
// nothing, so a test runner that picks this file up finds no tests and moves on.
import { createLogger } from '../../core/log.js';
import { runDedupe } from '../../dedupe/dedupe-run.js';

interface ChildSpec {
  inputs: string[];
  out: string;
  index: string;
  memory: number;
  /** Kill when this event (and stage / step, if given) is logged, after delayMs (0 = at once). */
  kill?: { event: string; stage?: string; step?: number; delayMs?: number };
}

const raw = process.env.KILN_DEDUPE_CHILD;
if (raw) {
  const spec = JSON.parse(raw) as ChildSpec;
  const started = Date.now();
  const marks: Record<string, number> = {};
  const log = createLogger({}, (line) => {
    const e = JSON.parse(line) as { event: string; stage?: string; step?: number };
    const key = e.stage ? `${e.event}:${e.stage}` : e.event;
    marks[key] ??= Date.now() - started;
    const k = spec.kill;
    if (k && e.event === k.event && (k.stage === undefined || k.stage === e.stage) && (k.step === undefined || k.step === e.step)) {
      if (!k.delayMs) process.kill(process.pid, 'SIGKILL');
      else setTimeout(() => process.kill(process.pid, 'SIGKILL'), k.delayMs);
    }
  });
  const s = await runDedupe({ inputs: spec.inputs, out: spec.out, config: { index: spec.index }, memory: spec.memory, workers: 1, log, quiet: true });
  process.stdout.write(JSON.stringify({ kept: s.kept, dropped_exact: s.dropped_exact, dropped_near: s.dropped_near, marks }) + '\n');
}
