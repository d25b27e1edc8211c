// Parses a batch of JSONL lines into (id, text) documents with the same rules as core's
// readInputRows: lines split like readline (\r\n, \n or \r), blank lines skipped and not
// counted as rows, one JSON object per line, a string text and a string or numeric id.
import { lineDocumentId } from '../core/document-id.js';
import { CorruptInputError } from '../core/errors.js';

/** A bad line in a batch; `line` is 1-based within the batch (the stage adds the file and the lines before it). */
export class JsonlBatchError extends CorruptInputError {
  constructor(
    message: string,
    readonly line: number,
    key?: string,
  ) {
    super(message, { record: line, key });
  }
}

/** What a batch held: its documents, and how many lines and rows (non-blank lines) it spanned. */
export interface JsonlDocuments {
  ids: string[];
  texts: string[];
  lines: number;
}

const LINE_BREAK = /\r\n|\n|\r/;

/** Where a batch sits in its file: ids of rows without one derive from it, as core's reader derives them. */
export interface BatchPlace {
  /** The file's path relative to its input root (InputFile.source). */
  source: string;
  /** 1-based line number of the batch's first line in the file. */
  firstLine: number;
}

/** Splits and parses one batch of whole JSONL lines. */
export function parseJsonlDocuments(batch: string, idField: string, textField: string, place?: BatchPlace): JsonlDocuments {
  const lines = batch.split(LINE_BREAK);
  // A batch ends with a line break, which leaves one empty string that is no line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const ids: string[] = [];
  const texts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new JsonlBatchError(`invalid JSON (${(err as Error).message})`, i + 1);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new JsonlBatchError('expected a JSON object per line', i + 1);
    const row = value as Record<string, unknown>;
    const text = row[textField];
    let id = row[idField];
    if (typeof text !== 'string') throw new JsonlBatchError(`has no string \`${textField}\``, i + 1, textField);
    // Core's reader gives an `id` to rows that have none; so does this one, from the same place.
    if ((id === undefined || id === null) && idField === 'id' && place) id = lineDocumentId(place.source, place.firstLine + i);
    if (typeof id === 'number') id = String(id);
    if (typeof id !== 'string') throw new JsonlBatchError(`has no string \`${idField}\``, i + 1, idField);
    ids.push(id);
    texts.push(text);
  }
  return { ids, texts, lines: lines.length };
}
