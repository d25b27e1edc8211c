import { ConfigError } from './errors.js';

/** How a run shows its progress on stderr: a redrawn bar, a JSON line every few seconds, or nothing. */
export type ProgressMode = 'bar' | 'lines' | 'off';

const MODES: readonly ProgressMode[] = ['bar', 'lines', 'off'];

/**
 * `KILN_PROGRESS=bar|lines|off` when set (e.g. a bar in a CI log or under a pager, which are not
 * terminals); otherwise nothing with `KILN_LOG=silent`, a bar on a terminal, JSON lines elsewhere.
 */
export function progressMode(): ProgressMode {
  const set = process.env.KILN_PROGRESS;
  if (set !== undefined && set !== '') {
    if (!(MODES as readonly string[]).includes(set)) throw new ConfigError(`KILN_PROGRESS=${set}: expected one of ${MODES.join(', ')}`, { key: 'KILN_PROGRESS' });
    return set as ProgressMode;
  }
  if (process.env.KILN_LOG === 'silent') return 'off';
  return process.stderr.isTTY ? 'bar' : 'lines';
}
