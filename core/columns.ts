import { z } from 'zod';

/** The value types a dataset column may hold; each maps to one Arrow/Parquet type. */
export const columnTypes = ['string', 'int32', 'int64', 'float64', 'bool', 'int32[]'] as const;
export type ColumnType = (typeof columnTypes)[number];

/** One column of a dataset's schema. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export const columnSpecSchema = z.object({
  name: z.string().min(1),
  type: z.enum(columnTypes),
  nullable: z.boolean().optional(),
});

/** The columns every documents dataset has. */
export const DOCUMENT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'text', type: 'string' },
  { name: 'url', type: 'string', nullable: true },
];
