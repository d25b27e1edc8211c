/** Errors of the archive reader: each names the file and the byte offset of the damage. */
import { KilnError } from '../../core/errors.js';

/** The file ends inside a record or a gzip member (a cut download, a partial copy). */
export class WarcTruncatedError extends KilnError {
  readonly offset: number;
  constructor(path: string, offset: number, what: string) {
    super('KILN_WARC_TRUNCATED', `${path}: truncated at byte ${offset}: ${what}`, { path, record: offset });
    this.offset = offset;
  }
}

/** Bytes that are not a WARC record or not valid gzip where one must start. */
export class WarcCorruptError extends KilnError {
  readonly offset: number;
  constructor(path: string, offset: number, what: string, options?: { cause?: unknown }) {
    super('KILN_WARC_CORRUPT', `${path}: corrupt at byte ${offset}: ${what}`, { path, record: offset }, options);
    this.offset = offset;
  }
}

/** A WARC source (file or URL) could not be opened or read. */
export class WarcSourceError extends KilnError {
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('KILN_WARC_SOURCE', `${path}: ${message}`, { path }, options);
  }
}

/** A byte range of a split archive did not end on the member start its plan named, or archives cannot be split as asked. */
export class WarcSplitError extends KilnError {
  constructor(path: string, message: string, offset?: number) {
    super('KILN_WARC_SPLIT', `${path}: ${message}`, offset === undefined ? { path } : { path, record: offset });
  }
}
