/** What one stage of a pipeline run did: the row of `kiln run`'s table and of the run log. */
export interface StageReport {
  key: string;
  stage: string;
  out: string;
  status: 'skipped' | 'ran' | 'stopped' | 'failed' | 'submitted';
  /** Rows read: the previous stage's output rows, when known. */
  docsIn?: number;
  docsOut: number;
  bytes: number;
  /** Tokens written, when the stage counts them (`stats.tokens`). */
  tokens?: number;
  seconds: number;
  stats: Record<string, number>;
  /** Failed tasks with their log (Slurm) or error. */
  failures?: TaskFailure[];
  /** Slurm job ids of this stage (plan, array, finalize). */
  jobs?: string[];
  /** What the stage reported beyond counts (train: report path, losses). */
  extra?: Record<string, unknown>;
}

/** One failed task: which, how, and where to look. */
export interface TaskFailure {
  task: number | string;
  state: string;
  message?: string;
  log?: string;
}

/** Documents a stage wrote: its rows, or for a stage whose output is not rows (shard) its document counts. */
export function documentsOf(rows: number, stats: Record<string, number>): number {
  if (rows > 0) return rows;
  return (stats.documents_train ?? 0) + (stats.documents_val ?? 0) || rows;
}

/** Tokens a stage wrote, when it counts them (`tokens`, or per split for shard). */
export function tokensOf(stats: Record<string, number>): number | undefined {
  if (stats.tokens !== undefined) return stats.tokens;
  if (stats.tokens_train !== undefined) return stats.tokens_train + (stats.tokens_val ?? 0);
  return undefined;
}

/** The "docs out" cell of a stage's row: `-` for train, whose output is a model, not documents. */
export function docsOutCell(r: Pick<StageReport, 'stage' | 'docsOut'>): string {
  return r.stage === 'train' ? '-' : String(r.docsOut);
}

/** Formats reports as the table `kiln run` and `kiln quickstart` print. */
export function formatStageTable(reports: readonly StageReport[]): string {
  const header = ['stage', 'status', 'docs in', 'docs out', 'tokens', 'time'];
  const rows = reports.map((r) => [
    r.key,
    r.status,
    r.docsIn === undefined ? '-' : String(r.docsIn),
    docsOutCell(r),
    r.tokens === undefined ? '-' : String(r.tokens),
    `${r.seconds.toFixed(1)}s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
