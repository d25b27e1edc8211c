import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractMainText, MAX_HTML_CHARS } from '../../../crawl/extract/index.js';

const para = (s: string): string => `<p>${s} ${'This sentence, with a comma, keeps the paragraph long enough to look like prose. '.repeat(2)}</p>`;

test('keeps the article (headings, paragraphs, lists, tables, code) and drops nav, footer, cookie banner, comments, related links', () => {
  const html = `<!doctype html><html><head><title>T</title><script>var x = "<p>no</p>";</script><style>p{}</style></head><body>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
    <div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
    <article>
      <h1>The headline</h1>
      ${para('First paragraph.')}
      <h2>A section heading</h2>
      ${para('Second <b>bold</b> paragraph.')}
      <ul><li>first list item with some words</li><li>second list item with some words</li></ul>
      <table><tr><td>cell one</td><td>cell two</td></tr></table>
      <pre><code>const  x = 1;\n  return x;</code></pre>
      ${para('Third paragraph.')}
      <div class="related-posts"><h3>Related</h3><ul><li><a href="/a">Another story about things</a></li><li><a href="/b">Yet another story here</a></li></ul></div>
    </article>
    <section id="comments"><p>Great article, thanks for writing this, I really enjoyed it a lot.</p></section>
    <footer><p>Copyright 2024 Example Corp. All rights reserved. Imprint and privacy.</p></footer>
  </body></html>`;
  const { text, title } = extractMainText(html);
  assert.equal(title, 'T');
  for (const want of ['The headline', 'First paragraph.', 'A section heading', 'Second bold paragraph.', 'first list item', 'cell one', 'cell two', 'const  x = 1;\n  return x;', 'Third paragraph.']) {
    assert.ok(text.includes(want), `missing ${JSON.stringify(want)} in:\n${text}`);
  }
  for (const bad of ['Home', 'cookies', 'Another story', 'Great article', 'Copyright', 'no</p>', 'p{}']) {
    assert.ok(!text.includes(bad), `kept ${JSON.stringify(bad)} in:\n${text}`);
  }
});

test('inline tags join words, <br> breaks lines, entities decode, hidden text is dropped', () => {
  const html = `<body><div class="content">${para('Intro.')}<p>Wo<i>rd</i> and &amp; caf&eacute;<br>next line</p><p style="display:none">secret hidden text that must not show up anywhere</p>${para('Outro.')}</div></body>`;
  const { text } = extractMainText(html);
  assert.match(text, /Word and & café\nnext line/);
  assert.ok(!text.includes('secret'));
});

test('pages without structure still give their text; empty input gives empty text', () => {
  assert.match(extractMainText('just some text without any tags at all, but long enough').text, /just some text/);
  assert.equal(extractMainText('').text, '');
  assert.equal(extractMainText('<html><body><script>x()</script></body></html>').text, '');
});

test('a page over 8 MiB is cut and says so; smaller pages are not marked', () => {
  const article = `<article>${para('Kept paragraph.')}</article>`;
  const big = `<html><body>${article}<div>${'x '.repeat(MAX_HTML_CHARS / 2)}</div><p>Lost paragraph past the cut, long enough to count as prose.</p></body></html>`;
  const r = extractMainText(big, { url: 'http://example.test/big' });
  assert.equal(r.truncated, true);
  assert.ok(!r.text.includes('Lost paragraph'));
  assert.equal(extractMainText(`<html><body>${article}</body></html>`).truncated, undefined);
});

test('general boilerplate lines (labels, navigation, cookie and newsletter prompts) are dropped, prose that starts with such a word is kept', () => {
  const html = `<body><article>${para('Intro.')}<p>Tags: politics, economy</p><p>Weiterlesen</p><p>Wir verwenden Cookies, um die Seite zu verbessern.</p>
    <p>Share this article</p><p>Home prices rose again.</p>${para('Outro.')}</article></body>`;
  const { text } = extractMainText(html);
  for (const bad of ['Tags:', 'Weiterlesen', 'Cookies', 'Share this']) assert.ok(!text.includes(bad), `kept ${bad}:\n${text}`);
  assert.ok(text.includes('Home prices rose again.'), text);
});
