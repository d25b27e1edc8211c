/** Structured log lines: one JSON object per line on stderr, so machines and people can both read them. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

import { writeStderrLine } from './stderr-status.js';

/** Where a logger's finished lines go. */
export type LogSink = (line: string) => void;
type Sink = LogSink;

const stderrSink: Sink = writeStderrLine;

/** A logger writing JSON lines; `KILN_LOG=silent` mutes it (tests, library use). */
export function createLogger(base: Record<string, unknown> = {}, sink: Sink = stderrSink): Logger {
  const silent = process.env.KILN_LOG === 'silent';
  const write = (level: string, event: string, fields?: Record<string, unknown>): void => {
    if (silent) return;
    sink(JSON.stringify({ t: new Date().toISOString(), level, event, ...base, ...fields }));
  };
  return {
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}
