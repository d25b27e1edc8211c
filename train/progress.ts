import type { Logger } from '../core/log.js';
import { progressMode } from '../core/progress-mode.js';
import { endStatusLine, setStatusLine } from '../core/stderr-status.js';

/**
 * Training progress on stderr: a redrawn status line on a terminal (at most every 100 ms), a
 * `train.progress` JSON log line every 5 s otherwise; nothing when KILN_LOG=silent (see
 * progressMode). The status line goes through stderr-status, so log lines never cut into it.
 */
export class TrainProgress {
  private lastEmit = 0;
  private readonly started = performance.now();
  private readonly mode = progressMode();

  constructor(
    private readonly log: Logger,
    private readonly firstStep: number,
    private readonly steps: number,
  ) {}

  /** Reports the step just finished. */
  step(step: number, loss: number, lr: number, tokensPerS: number, force = false): void {
    if (this.mode === 'off') return;
    const now = performance.now();
    if (!force && now - this.lastEmit < (this.mode === 'bar' ? 100 : 5000)) return;
    this.lastEmit = now;
    const seconds = (now - this.started) / 1000;
    const etaS = ((this.steps - step) * seconds) / Math.max(1, step - this.firstStep);
    if (this.mode === 'bar') {
      setStatusLine(`train step ${step}/${this.steps}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}  ${Math.round(tokensPerS)} tok/s  eta ${Math.round(etaS)}s`);
    } else {
      this.log.info('train.progress', { step, steps: this.steps, loss, lr, tokens_per_s: tokensPerS, seconds: +seconds.toFixed(1), eta_s: Math.round(etaS) });
    }
  }

  /** Ends the status line so later output starts on a fresh line. */
  end(): void {
    if (this.mode === 'bar') endStatusLine();
  }
}
