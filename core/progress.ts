import type { Logger } from './log.js';
import { progressMode, type ProgressMode } from './progress-mode.js';
import { endStatusLine, setStatusLine } from './stderr-status.js';

/** Progress of one stage: a redrawn bar on a terminal, a JSON line every few seconds otherwise (see progressMode). */
export class Progress {
  private rows = 0;
  private bytes = 0;
  private tasksDone = 0;
  private readonly started = Date.now();
  private lastEmit = 0;
  private readonly mode: ProgressMode;

  /** `quiet` (the CLI's --json) shows nothing. */
  constructor(
    private readonly stage: string,
    private readonly tasks: number,
    private readonly log: Logger,
    quiet = false,
  ) {
    this.mode = quiet ? 'off' : progressMode();
  }

  /** Counts rows and bytes a task has processed. */
  add(rows: number, bytes = 0): void {
    this.rows += rows;
    this.bytes += bytes;
    this.emit(false);
  }

  /** Counts one finished task. */
  taskDone(): void {
    this.tasksDone++;
    this.emit(false);
  }

  /** Final line (and the bar's newline). */
  end(): void {
    this.emit(true);
    if (this.mode === 'bar') endStatusLine();
  }

  private emit(force: boolean): void {
    if (this.mode === 'off') return;
    const now = Date.now();
    const interval = this.mode === 'bar' ? 100 : 5000;
    if (!force && now - this.lastEmit < interval) return;
    this.lastEmit = now;
    const secs = (now - this.started) / 1000;
    if (this.mode === 'bar') {
      const width = 24;
      const filled = this.tasks ? Math.round((this.tasksDone / this.tasks) * width) : 0;
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const mb = this.bytes / 1e6;
      setStatusLine(
        `${this.stage} [${bar}] ${this.tasksDone}/${this.tasks} tasks  ${this.rows.toLocaleString()} rows  ${mb.toFixed(1)} MB  ${(mb / Math.max(secs, 1e-3)).toFixed(1)} MB/s  ${secs.toFixed(0)}s`,
      );
    } else {
      this.log.info('progress', { stage: this.stage, tasks_done: this.tasksDone, tasks: this.tasks, rows: this.rows, bytes: this.bytes, seconds: +secs.toFixed(1) });
    }
  }
}
