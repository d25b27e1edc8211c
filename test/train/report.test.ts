import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport, type MetricsRecord } from '../../train/index.js';

test('report.html inlines uPlot and the curves, and text cannot break out of its script or markup', () => {
  const records: MetricsRecord[] = [
    { step: 0, val_loss: 3, val_perplexity: Math.exp(3), val_tokens: 10 },
    { step: 1, loss: 2.5, lr: 1e-3, tokens_per_s: 100, data_wait_ms: 0.1, compute_ms: 10, grad_norm: 1 },
    { step: 2, loss: 2.25, lr: 1e-3, tokens_per_s: 120, data_wait_ms: 0.2, compute_ms: 9, grad_norm: 1 },
    { step: 2, val_loss: 2.5, val_perplexity: Math.exp(2.5), val_tokens: 10 },
  ];
  const html = renderReport('run </script><b>x', { backend: 'wasm<i>', steps: 2 }, records);
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('uPlot'), 'chart library inlined');
  assert.ok(!html.includes('<script src'), 'no external script: the file opens offline');
  assert.ok(html.includes('[0,1,2]'), 'x axis: every step with a train or val point');
  assert.ok(html.includes('[null,2.5,2.25]'), 'train loss aligned with the steps');
  assert.ok(html.includes('[3,null,2.5]'), 'val loss at the eval steps');
  assert.ok(!html.includes('</script><b>') && !html.includes('wasm<i>'), 'user text is escaped');
});
