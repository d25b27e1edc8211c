import { writeFileAtomic } from '../core/atomic-file.js';
import { escapeHtml, scriptJson, uplotInline } from '../core/html-page.js';
import { isEvalRecord, isStepRecord, type MetricsRecord } from './metrics.js';

/** An extra table of a report (e.g. the dataset statistics of the pipeline that fed the run). */
export interface ReportTable {
  title: string;
  header: string[];
  rows: (string | number)[][];
}

function renderTable(t: ReportTable): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('');
  return `<h2>${escapeHtml(t.title)}</h2><table><tr>${head}</tr>${body}</table>`;
}

/**
 * Renders report.html: a summary table, extra tables, the loss curve (train + val) and the
 * throughput chart, then `sections`: HTML built by kiln (already escaped), e.g. the dataset card.
 */
export function renderReport(title: string, summary: Record<string, unknown>, records: MetricsRecord[], tables: ReportTable[] = [], sections: string[] = []): string {
  const steps = records.filter(isStepRecord);
  const evals = records.filter(isEvalRecord);
  // uPlot wants aligned columns; val loss is sparse, so it is null between evals.
  const xs = [...new Set([...steps.map((r) => r.step), ...evals.map((r) => r.step)])].sort((a, b) => a - b);
  const byStep = new Map(steps.map((r) => [r.step, r]));
  const evalByStep = new Map(evals.map((r) => [r.step, r]));
  const loss = xs.map((x) => byStep.get(x)?.loss ?? null);
  const val = xs.map((x) => evalByStep.get(x)?.val_loss ?? null);
  const tps = xs.map((x) => byStep.get(x)?.tokens_per_s ?? null);
  const wait = xs.map((x) => byStep.get(x)?.data_wait_ms ?? null);
  const rows = Object.entries(summary)
    .filter(([, v]) => v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v))}</td></tr>`)
    .join('');
  const { js, css } = uplotInline();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-bottom:16px}
th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}h2{margin-top:28px}</style>
<script>${js}</script></head><body>
<h1>${escapeHtml(title)}</h1>
<table>${rows}</table>
${tables.map(renderTable).join('\n')}
<h2>Loss</h2><div id="loss"></div>
<h2>Throughput</h2><div id="speed"></div>
<script>
const xs = ${scriptJson(xs)};
const width = Math.min(1000, window.innerWidth - 60);
new uPlot({ width, height: 360, scales: { x: { time: false } },
  series: [{ label: 'step' },
    { label: 'train loss', stroke: '#1f77b4' },
    { label: 'val loss', stroke: '#d62728', width: 2, points: { show: true, size: 7 }, spanGaps: true }],
  axes: [{ label: 'step' }, { label: 'loss (nats/token)' }] },
  [xs, ${scriptJson(loss)}, ${scriptJson(val)}], document.getElementById('loss'));
new uPlot({ width, height: 300, scales: { x: { time: false }, ms: {} },
  series: [{ label: 'step' },
    { label: 'tokens/s', stroke: '#2ca02c' },
    { label: 'data wait ms', stroke: '#ff7f0e', scale: 'ms' }],
  axes: [{ label: 'step' }, { label: 'tokens/s' }, { scale: 'ms', side: 1, label: 'data wait ms', grid: { show: false } }] },
  [xs, ${scriptJson(tps)}, ${scriptJson(wait)}], document.getElementById('speed'));
</script>
${sections.join('\n')}
</body></html>
`;
}

/** Writes report.html atomically (it is rewritten at each checkpoint, so it can be watched). */
export async function writeReport(file: string, title: string, summary: Record<string, unknown>, records: MetricsRecord[], tables: ReportTable[] = [], sections: string[] = []): Promise<void> {
  await writeFileAtomic(file, renderReport(title, summary, records, tables, sections));
}
