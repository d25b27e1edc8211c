// Fallback HTML → text used when crawl/extract has no extractor: visible text with block
// elements as line breaks, scripts/styles/templates dropped.
import { Parser } from 'htmlparser2';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object']);
const BLOCK = new Set(['p', 'div', 'br', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'table', 'section', 'article', 'header', 'footer', 'nav', 'aside', 'blockquote', 'pre', 'hr', 'dd', 'dt', 'main', 'form', 'title']);

/** Visible text and <title> of an HTML page, tags stripped, whitespace collapsed per line. */
export function htmlToPlainText(html: string): { text: string; title?: string } {
  const parts: string[] = [];
  let skipDepth = 0;
  let inTitle = false;
  let title = '';
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        else if (SKIP.has(name)) skipDepth++;
        if (BLOCK.has(name)) parts.push('\n');
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        else if (SKIP.has(name) && skipDepth > 0) skipDepth--;
        if (BLOCK.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (inTitle) title += text;
        else if (skipDepth === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  const text = parts
    .join('')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l.length > 0)
    .join('\n');
  const t = title.replace(/\s+/g, ' ').trim();
  return t ? { text, title: t } : { text };
}
