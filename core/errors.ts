/** Where an error points: the file, record or key at fault. */
export interface ErrorLocation {
  path?: string;
  record?: string | number;
  key?: string;
}

/** Base class of every kiln error; callers branch on `code`, never on message text. */
export class KilnError extends Error {
  readonly code: string;
  readonly path?: string;
  readonly record?: string | number;
  readonly key?: string;
  /** Process exit code the CLI uses: 1 failure, 2 bad usage. */
  readonly exitCode: number = 1;

  constructor(code: string, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.path = where.path;
    this.record = where.record;
    this.key = where.key;
  }
}

/** A flag or argument the user gave is wrong. */
export class UsageError extends KilnError {
  override readonly exitCode = 2;
  constructor(message: string, where: ErrorLocation = {}) {
    super('KILN_USAGE', message, where);
  }
}

/** A config value (stage config, pipeline file) failed validation. */
export class ConfigError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}) {
    super('KILN_CONFIG', message, where);
  }
}

/** An output dataset exists with another config; refused unless --overwrite. */
export class ConfigChangedError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}) {
    super('KILN_CONFIG_CHANGED', message, where);
  }
}

/** An input file or record cannot be parsed. */
export class CorruptInputError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super('KILN_CORRUPT_INPUT', message, where, options);
  }
}

/** A committed part of a kiln dataset is missing, truncated or fails its checksum. */
export class CorruptPartError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super('KILN_CORRUPT_PART', message, where, options);
  }
}

/** A file in a dataset directory that kiln neither wrote nor can read. */
export class ForeignFileError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}) {
    super('KILN_FOREIGN_FILE', message, where);
  }
}

/** Writing or syncing to disk failed (ENOSPC, EIO, ...); nothing uncommitted is kept. */
export class IoError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super('KILN_IO', message, where, options);
  }
}

/** A task failed inside a worker; carries the task index. */
export class TaskFailedError extends KilnError {
  readonly task: number;
  constructor(task: number, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super('KILN_TASK_FAILED', message, where, options);
    this.task = task;
  }
}

/** One readable line for an error: `<code>: <message> (<where>)`. */
export function describeError(err: unknown): string {
  if (err instanceof KilnError) {
    const where = [err.path && `file ${err.path}`, err.record !== undefined && `record ${err.record}`, err.key && `key ${err.key}`]
      .filter(Boolean)
      .join(', ');
    const firstLine = err.message.split('\n')[0];
    return `${err.code}: ${firstLine}${where && !firstLine.includes(err.path ?? '\u0000') ? ` (${where})` : ''}`;
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return `${code ?? 'KILN_INTERNAL'}: ${err.message.split('\n')[0]}`;
  }
  return `KILN_INTERNAL: ${String(err)}`;
}

/** An input is a kiln dataset whose run has not finished (no `_kiln/SUCCESS.json`). */
export class InputUnfinishedError extends KilnError {
  constructor(message: string, where: ErrorLocation = {}) {
    super('KILN_INPUT_UNFINISHED', message, where);
  }
}
