import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHtml, extractMainText } from '../../../crawl/extract/index.js';

const tags = ['div', 'p', 'span', 'a', 'nav', 'article', 'table', 'tr', 'td', 'li', 'ul', 'pre', 'script', 'style', 'br', 'h1', 'footer', 'svg', 'template'];
const fragment = fc.oneof(
  fc.constantFrom(...tags).map((t) => `<${t}>`),
  fc.constantFrom(...tags).map((t) => `</${t}>`),
  fc.constantFrom(...tags).chain((t) => fc.constantFrom('class="content"', 'id="comments"', 'hidden', 'style="display:none"', 'class="nav menu"').map((a) => `<${t} ${a}>`)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('&amp;', '&#x0;', '&#99999999;', '<!--', '-->', '<![CDATA[', ']]>', '<', '>', '"', "'", '\u0001', '\n\n'),
);

test('fuzz: random tag soup extracts without crashing, quickly', () => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 300 }), (parts) => {
      const started = Date.now();
      const { text } = extractMainText(parts.join(''));
      assert.equal(typeof text, 'string');
      assert.ok(Date.now() - started < 5000);
    }),
    { numRuns: 500 },
  );
});

test('fuzz: arbitrary bytes decode and extract', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.option(fc.constantFrom('text/html; charset=gbk', 'text/html; charset=bogus', 'text/html; charset=utf-16')), (bytes, ct) => {
      const html = decodeHtml(bytes, ct ?? undefined);
      assert.equal(typeof extractMainText(html).text, 'string');
    }),
    { numRuns: 300 },
  );
});

test('deep nesting and huge flat pages stay linear', () => {
  const nest = (n: number): string => '<div>'.repeat(n) + 'deep text' + '</div>'.repeat(n);
  assert.match(extractMainText(nest(1500)).text, /deep text/);
  let started = Date.now();
  assert.equal(typeof extractMainText(nest(200_000)).text, 'string');
  assert.ok(Date.now() - started < 5_000, 'hostile nesting is cut off, not parsed quadratically');
  const flat = '<p>word, word, word, word, word, word, word, word, word.</p>'.repeat(50_000);
  started = Date.now();
  assert.ok(extractMainText(flat).text.length > 1_000_000);
  assert.ok(Date.now() - started < 10_000, 'flat page');
});
