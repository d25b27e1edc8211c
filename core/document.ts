/** A document: stable `id` derived from its source, its text, and any metadata. */
export interface Document {
  id: string;
  text: string;
  url?: string | null;
  [field: string]: unknown;
}

/** One row of any dataset: column name to value. */
export type Row = Record<string, unknown>;
