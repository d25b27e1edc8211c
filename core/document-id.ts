// Ids for inputs that carry none. They are derived from where the document sits in the input
// (never from a row counter of this run), so a resume, a re-run or a run on another machine gives
// every document the same id, and two files can never collide because their paths differ.
import { createHash } from 'node:crypto';

/** Id of a JSONL row without an id: `<path relative to the input root>:<1-based physical line>`. */
export function lineDocumentId(source: string, line: number): string {
  return `${source}:${line}`;
}

/**
 * Id of a plain-text file (one document per file): `<relative path>#<first 16 hex of the text's
 * SHA-256>`. The content hash makes an edited file a new document (what an incremental dedupe
 * index needs) while the path keeps ids readable.
 */
export function textFileDocumentId(source: string, text: string): string {
  return `${source}#${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
