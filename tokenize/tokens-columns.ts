// The columns of a tokens dataset, apart from stage.ts so the encode workers, which write the
// parts, need not load the stage (zod, the runner).
import type { ColumnSpec } from '../core/columns.js';

/** Output columns of a tokens dataset. */
export const TOKENS_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'string' },
  { name: 'tokens', type: 'int32[]' },
];
