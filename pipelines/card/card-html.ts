// The dataset card as HTML: one self-contained page (`kiln card`), or one section of the
// quickstart's report.html. Every value from the data is escaped; charts are uPlot bar charts
// drawn by an inline script, which marks each chart it drew (data-points) and writes any script
// error into #card-errors, so a headless browser can check the page drew.
import { escapeHtml, scriptJson, uplotInline } from '../../core/html-page.js';
import type { HistogramBin } from '../../core/log-histogram.js';
import type { TopCounts } from './bounded-counter.js';
import type { DatasetCard, StageCard } from './dataset-card.js';

interface Chart {
  id: string;
  title: string;
  unit: string;
  bins: HistogramBin[];
}

function num(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(Number(n.toPrecision(4)));
}

function table(header: string[], rows: (string | number)[][]): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(typeof c === 'number' ? num(c) : c)}</td>`).join('')}</tr>`).join('');
  return `<table><tr>${head}</tr>${body}</table>`;
}

function topTable(title: string, t: TopCounts): string {
  const note = t.exact ? '' : ` (approximate: more distinct values than the ${t.capacity} the counter holds; a count may overstate by its error)`;
  return `<h4>${escapeHtml(title)}${escapeHtml(note)}</h4>${table(['value', 'count', t.exact ? 'share' : 'error'], t.top.map((k) => [k.key, k.count, t.exact ? `${((100 * k.count) / Math.max(1, t.total)).toFixed(1)}%` : k.error]))}`;
}

function stageSection(s: StageCard, charts: Chart[]): string {
  const id = (what: string) => `card-chart-${charts.length}-${what}`;
  const parts: string[] = [`<h3>${escapeHtml(s.name)}</h3><p class="dir">${escapeHtml(s.dir)} · ${escapeHtml(s.kind)}${s.stage ? ` · stage ${escapeHtml(s.stage)}` : ''}</p>`];
  const dropped = Object.entries(s.dropped);
  if (dropped.length) parts.push(`<h4>Dropped, by reason</h4>${table(['reason', 'documents'], dropped.map(([k, v]) => [k, v]))}`);
  const chart = (what: string, title: string, unit: string, bins: HistogramBin[]) => {
    const c = { id: id(what), title, unit, bins };
    charts.push(c);
    parts.push(`<h4>${escapeHtml(title)}</h4><div class="chart" id="${c.id}" data-chart="${escapeHtml(title)}"></div>`);
  };
  if (s.doc_length) chart('doc', 'Document length (UTF-8 bytes)', 'bytes', s.doc_length.bins);
  if (s.token_length) chart('tok', 'Document length (tokens)', 'tokens', s.token_length.bins);
  if (s.clusters) {
    if (s.clusters.sizes) chart('clusters', `Duplicate-cluster sizes (${num(s.clusters.clusters ?? 0)} clusters of 2+ documents)`, 'documents', s.clusters.sizes);
    else parts.push(`<h4>Duplicate-cluster sizes</h4><p>${escapeHtml(s.clusters.note ?? '')}</p>`);
  }
  if (s.languages) parts.push(topTable('Languages', s.languages));
  if (s.domains) parts.push(topTable('Top domains', s.domains));
  if (s.reasons) parts.push(topTable('Reasons', s.reasons));
  if (s.shards) {
    const sh = s.shards;
    parts.push(`<p>seq_len ${sh.seq_len} · ${escapeHtml(sh.dtype)} · tokenizer ${escapeHtml(sh.tokenizer ?? 'none')} · ${sh.generations} generation(s)</p>`);
    parts.push(table(['split', 'shards', 'sequences', 'tokens', 'documents', 'pad tokens', 'bytes'], (['train', 'val'] as const).map((k) => [k, sh.splits[k].shards, sh.splits[k].sequences, sh.splits[k].tokens, sh.splits[k].documents, sh.splits[k].pad_tokens, sh.splits[k].bytes])));
    if (sh.mixture) {
      parts.push(`<h4>Mixture (realised)</h4>${table(['input', 'weight', 'input docs', 'input tokens', 'train tokens', 'val tokens', 'realised weight'], sh.mixture.map((m) => [m.input, m.weight, m.input_documents, m.input_tokens, m.tokens_train, m.tokens_val, `${(100 * m.realised_weight).toFixed(2)}%`]))}`);
    } else parts.push(`<h4>Mixture (realised)</h4><p>not computed: ${escapeHtml(sh.mixture_note ?? '')}</p>`);
  }
  if (s.samples.length) {
    parts.push(`<h4>Samples</h4>${s.samples.map((x) => `<div class="sample"><div class="meta">${escapeHtml(x.id)}${x.url ? ` · ${escapeHtml(x.url)}` : ''} · length ${x.length}</div><pre>${escapeHtml(x.text ?? (x.tokens ? `[${x.tokens.join(', ')}${x.length > x.tokens.length ? ', …' : ''}]` : ''))}</pre></div>`).join('')}`);
  }
  return `<section class="card-stage">${parts.join('\n')}</section>`;
}

/** The error trap: first on the page, so it catches the errors of every script after it; once per page. */
const ERROR_TRAP = `<script>if (!window.kilnCardTrap) { window.kilnCardTrap = true; window.addEventListener('error', function (e) {
  var el = document.getElementById('card-errors'); var msg = (e && e.message) || String(e);
  if (el) { el.textContent += msg + '\\n'; el.setAttribute('data-errors', String(Number(el.getAttribute('data-errors') || 0) + 1)); }
  else window.kilnCardEarlyErrors = (window.kilnCardEarlyErrors || 0) + 1;
}); }</script>`;

const STYLE = `.card-stage{border-top:1px solid #ccc;margin-top:20px}.card-stage .dir{color:#666}
.sample{margin:6px 0}.sample .meta{color:#666;font-size:12px}.sample pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;max-height:10em;overflow:auto}
#card-errors{color:#b00}`;

/** The card as an HTML section (trusted: every data value in it is escaped); uPlot must be loaded on the page. */
export function renderCardSection(card: DatasetCard): string {
  const charts: Chart[] = [];
  const totals = table(
    ['stage', 'kind', 'documents', 'tokens', 'bytes on disk', 'text bytes'],
    card.stages.map((s) => [s.name, s.kind, s.documents, s.tokens ?? '-', s.bytes, s.text_bytes ?? '-']),
  );
  const stages = card.stages.map((s) => stageSection(s, charts)).join('\n');
  const data = charts.map((c) => ({ id: c.id, unit: c.unit, labels: c.bins.map((b) => (b.from === b.to ? String(b.from) : `${b.from}-${b.to}`)), counts: c.bins.map((b) => b.count) }));
  return `${ERROR_TRAP}<style>${STYLE}</style>
<section id="dataset-card" data-charts="${charts.length}"><h2>Dataset card</h2>
<pre id="card-errors" data-errors="0"></pre>
<h3>Per stage</h3>${totals}
${stages}
<script>
(function () {
  var charts = ${scriptJson(data)};
  var width = Math.min(900, Math.max(300, window.innerWidth - 60));
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    var xs = c.labels.map(function (_, i) { return i; });
    new uPlot({ width: width, height: 220, legend: { show: false },
      scales: { x: { time: false, range: [-0.5, xs.length - 0.5] }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.05)]; } } },
      series: [{}, { label: 'documents', fill: 'rgba(31,119,180,0.5)', stroke: '#1f77b4', paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } }],
      axes: [{ label: c.unit, splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return c.labels[i] || ''; }); } }, { label: 'documents' }] },
      [xs, c.counts], el);
    var drawn = c.counts.filter(function (n) { return n > 0; }).length;
    if (el.querySelector('canvas')) el.setAttribute('data-points', String(drawn));
  });
  document.getElementById('dataset-card').setAttribute('data-drawn', String(charts.length));
})();
</script></section>`;
}

/** The card as one self-contained page (`kiln card --out card.html`). */
export function renderCardPage(card: DatasetCard): string {
  const { js, css } = uplotInline();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kiln dataset card</title>
${ERROR_TRAP}
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-bottom:12px}
th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}</style>
<script>${js}</script></head><body>
<h1>kiln dataset card</h1><p>made ${escapeHtml(card.created_at)} from ${card.inputs.map(escapeHtml).join(', ')}</p>
${renderCardSection(card)}
</body></html>
`;
}
