// Politeness per host: at most `maxInFlight` requests at once, at least `delayMs` between two
// request starts, and nothing before a Retry-After deadline. Waiters queue per host in FIFO
// order; one timer per host wakes the queue, so a slow host never spins the event loop.

interface HostState {
  inFlight: number;
  nextStart: number;
  delayMs: number;
  blockedUntil: number;
  waiters: Array<() => void>;
  timer: NodeJS.Timeout | undefined;
}

export interface HostGateOptions {
  maxInFlight: number;
  delayMs: number;
  /** Upper bound on any delay a server can impose (Crawl-delay, Retry-After), so one host cannot park the crawl forever. */
  maxDelayMs?: number;
}

/** A release function; call it exactly once when the request is finished. */
export type Release = () => void;

/** The per-host politeness gate. */
export class HostGate {
  private readonly hosts = new Map<string, HostState>();
  private readonly maxDelayMs: number;

  constructor(private readonly options: HostGateOptions) {
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  private state(host: string): HostState {
    let s = this.hosts.get(host);
    if (!s) {
      if (this.hosts.size > 10_000) this.prune();
      s = { inFlight: 0, nextStart: 0, delayMs: this.options.delayMs, blockedUntil: 0, waiters: [], timer: undefined };
      this.hosts.set(host, s);
    }
    return s;
  }

  // Memory bound for crawls over many hosts: idle hosts whose delay has passed carry no state worth keeping.
  private prune(): void {
    const now = Date.now();
    for (const [h, s] of this.hosts) {
      if (s.inFlight === 0 && s.waiters.length === 0 && s.nextStart <= now && s.blockedUntil <= now) this.hosts.delete(h);
    }
  }

  /** Raises the delay between request starts for `host` (robots.txt Crawl-delay); never lowers it. */
  setDelay(host: string, ms: number): void {
    const s = this.state(host);
    s.delayMs = Math.max(s.delayMs, Math.min(ms, this.maxDelayMs));
  }

  /** Holds every request to `host` until `ms` from now (Retry-After, backoff after 429/503). */
  blockFor(host: string, ms: number): void {
    const s = this.state(host);
    s.blockedUntil = Math.max(s.blockedUntil, Date.now() + Math.min(ms, this.maxDelayMs));
  }

  /** Waits for a slot on `host`; rejects if `signal` aborts first. */
  acquire(host: string, signal?: AbortSignal): Promise<Release> {
    const s = this.state(host);
    return new Promise<Release>((resolve, reject) => {
      let done = false;
      const grant = (): void => {
        done = true;
        signal?.removeEventListener('abort', onAbort);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          s.inFlight--;
          this.pump(host, s);
        });
      };
      const onAbort = (): void => {
        if (done) return;
        const i = s.waiters.indexOf(grant);
        if (i >= 0) s.waiters.splice(i, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      s.waiters.push(grant);
      this.pump(host, s);
    });
  }

  private pump(host: string, s: HostState): void {
    while (s.waiters.length > 0 && s.inFlight < this.options.maxInFlight) {
      const now = Date.now();
      const at = Math.max(s.nextStart, s.blockedUntil);
      if (at > now) {
        if (!s.timer) {
          s.timer = setTimeout(() => {
            s.timer = undefined;
            this.pump(host, s);
          }, at - now);
        }
        return;
      }
      s.inFlight++;
      s.nextStart = now + s.delayMs;
      s.waiters.shift()!();
    }
  }

  /** Clears timers (end of crawl). */
  close(): void {
    for (const s of this.hosts.values()) if (s.timer) clearTimeout(s.timer);
    this.hosts.clear();
  }
}
