// The load average printed with every bench figure: this machine is shared, and a ratio measured
// at load 18 on 2 cores means something different from one measured on an idle box.
import os from 'node:os';

/** `load average 1.23 0.98 0.50 (2 cores)`: os.loadavg() at the moment of the call. */
export function loadAverage(): string {
  return `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`;
}
