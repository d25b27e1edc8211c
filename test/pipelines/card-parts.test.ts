// The card's building blocks: fixed-bin histograms, the bounded counter (exact until it must
// replace a key, then saying so), and a page that user text cannot break out of.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogHistogram } from '../../core/log-histogram.js';
import { BoundedCounter, domainOf, renderCardPage, type DatasetCard } from '../../pipelines/card/index.js';

test('LogHistogram: power-of-two bins with inclusive bounds, empty ends trimmed, exact at 2^k and 2^k - 1', () => {
  const h = new LogHistogram('bytes');
  for (const v of [0, 1, 2, 3, 4, 7, 8, 2 ** 50 - 1, 2 ** 50]) h.add(v);
  const json = h.toJSON();
  assert.deepEqual(json.bins.slice(0, 5), [
    { from: 0, to: 0, count: 1 },
    { from: 1, to: 1, count: 1 },
    { from: 2, to: 3, count: 2 },
    { from: 4, to: 7, count: 2 },
    { from: 8, to: 15, count: 1 },
  ]);
  assert.deepEqual(json.bins.at(-2), { from: 2 ** 49, to: 2 ** 50 - 1, count: 1 });
  assert.deepEqual(json.bins.at(-1), { from: 2 ** 50, to: 2 ** 51 - 1, count: 1 });
  assert.deepEqual([json.values, json.min, json.max], [9, 0, 2 ** 50]);
});

test('BoundedCounter: exact below capacity; above it holds the heavy keys, flags the counts approximate, bounds the error', () => {
  const small = new BoundedCounter(3);
  for (const k of ['a', 'b', 'a', 'c', 'a', 'b']) small.add(k);
  assert.deepEqual(small.top(2), { total: 6, capacity: 3, exact: true, top: [{ key: 'a', count: 3, error: 0 }, { key: 'b', count: 2, error: 0 }] });
  const full = new BoundedCounter(4);
  // 'heavy' is half the stream; 1000 other keys once each.
  for (let i = 0; i < 1000; i++) {
    full.add('heavy');
    full.add(`k${i}`);
  }
  const top = full.top(1);
  assert.equal(top.exact, false);
  assert.equal(top.top[0].key, 'heavy');
  assert.ok(top.top[0].count >= 1000 && top.top[0].count - top.top[0].error <= 1000, `count ${top.top[0].count}, error ${top.top[0].error}`);
});

test('domainOf: host without port, lower case; missing and unparsable URLs are named', () => {
  assert.deepEqual(['http://Ex.COM:8080/a', null, '', 'not a url'].map(domainOf), ['ex.com', '(none)', '(none)', '(invalid)']);
});

test('card.html: uPlot inline, no external script, and text from the data is escaped everywhere', () => {
  const evil = '</script><img src=x onerror=alert(1)>';
  const card: DatasetCard = {
    format: 'kiln-card',
    version: 1,
    created_at: 'now',
    inputs: [evil],
    stages: [{
      name: evil, dir: evil, kind: 'documents', stage: 'crawl', documents: 1, bytes: 1, text_bytes: 1,
      doc_length: { unit: 'UTF-8 bytes', values: 1, sum: 1, min: 1, max: 1, bins: [{ from: 1, to: 1, count: 1 }] },
      languages: { total: 1, capacity: 10, exact: true, top: [{ key: evil, count: 1, error: 0 }] },
      dropped: { [evil]: 2 },
      samples: [{ id: evil, url: evil, text: evil, length: 1 }],
    }],
  };
  const html = renderCardPage(card);
  assert.ok(html.includes('uPlot') && !html.includes('<script src'), 'uPlot inlined, nothing fetched');
  assert.ok(!html.includes('<img'), 'no markup from the data survives');
  assert.equal(html.split('</script>').length - 1, html.split('<script>').length - 1, 'no script element closed early');
});
