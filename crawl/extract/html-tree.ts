/**
 * One pass of htmlparser2 turning HTML into a light tree of elements plus the text blocks
 * they own, in document order. Scripts, styles and similar never get past the callbacks,
 * so the tree holds only what could be text: its size is bounded by the page's text.
 */
import { Parser } from 'htmlparser2';

/** An element kept in the tree (only what scoring needs). */
export interface El {
  tag: string;
  parent: El | null;
  children: El[];
  /** Lower-cased `class id role itemprop`, matched by the boilerplate patterns. */
  attrs: string;
  /** Hidden by attribute/style, or inside such an element. */
  hidden: boolean;
  /** Characters of text under this element (filled in by the scorer). */
  textLen: number;
  /** Characters of that text inside links. */
  linkLen: number;
  /** Characters of prose-like blocks (long enough, few links) under this element. */
  goodLen: number;
  /** goodLen counted before any boilerplate element is dropped. */
  rawGoodLen: number;
  /** Readability-style content score; NaN until the element is scored. */
  score: number;
  /** Document-order index, for stable ordering. */
  order: number;
}

/** How a block of text is rendered and scored. */
export type BlockKind = 'p' | 'h' | 'li' | 'pre' | 'cell' | 'text';

/** A run of text between two block boundaries, owned by the innermost open block element. */
export interface Block {
  el: El;
  text: string;
  linkLen: number;
  kind: BlockKind;
}

/** The parsed page: element tree, blocks in order, and the <title>. */
export interface HtmlTree {
  root: El;
  blocks: Block[];
  title?: string;
}

// Content of these is never text a reader sees.
const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'select',
  'textarea', 'button', 'audio', 'video', 'map', 'datalist', 'option', 'head', 'input', 'picture', 'source', 'dialog',
]);

const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dir', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'hr', 'html', 'li', 'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'tr', 'ul', 'caption', 'legend', 'listing', 'plaintext', 'xmp',
]);

const KIND: Record<string, BlockKind> = {
  p: 'p', h1: 'h', h2: 'h', h3: 'h', h4: 'h', h5: 'h', h6: 'h', li: 'li', dt: 'li', dd: 'li',
  pre: 'pre', td: 'cell', th: 'cell', caption: 'p', blockquote: 'p', figcaption: 'p',
};

// Stands for <br> until whitespace is collapsed; a control character pages never contain as text.
const LINE_BREAK = '\u0001';
const LINE_BREAKS = / ?\u0001[\u0001 ]*/g;

// Open elements beyond which the rest of the page is ignored (see onopentag).
const MAX_DEPTH = 2000;

const HIDDEN_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden/i;

function isHidden(a: Record<string, string>): boolean {
  if ('hidden' in a) return true;
  if (a['aria-hidden'] === 'true') return true;
  const s = a.style;
  return s !== undefined && HIDDEN_STYLE.test(s);
}

/** Parses HTML into the element/block tree the main-text scorer works on. */
export function parseHtmlTree(html: string): HtmlTree {
  let order = 0;
  const mk = (tag: string, parent: El | null, attrs: string, hidden: boolean): El => ({
    tag, parent, children: [], attrs, hidden, textLen: 0, linkLen: 0, goodLen: 0, rawGoodLen: 0, score: Number.NaN, order: order++,
  });
  const root = mk('#root', null, '', false);
  const blocks: Block[] = [];
  // Stack of open elements we keep (null for inline ones, so close tags pop correctly).
  const stack: (El | null)[] = [];
  let current = root; // innermost open block element
  let skipDepth = 0;
  let linkDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let title = '';
  let parts: string[] = [];
  let partLink = 0;
  let partKindEl: El = root;

  const flush = (): void => {
    if (parts.length === 0) return;
    let text = parts.join('');
    parts = [];
    const link = partLink;
    partLink = 0;
    const pre = preDepth > 0;
    if (!pre) text = text.replace(/\s+/g, ' ').replace(LINE_BREAKS, '\n').trim();
    else text = text.replace(/^\n+|\s+$/g, '');
    if (text.length === 0) return;
    const el = partKindEl;
    let kind: BlockKind = pre ? 'pre' : (KIND[el.tag] ?? 'text');
    if (kind === 'text') {
      // Text directly in a div inside an <li>/<td> still belongs to that item.
      for (let e: El | null = el.parent, i = 0; e && i < 2; e = e.parent, i++) {
        const k = KIND[e.tag];
        if (k === 'li' || k === 'cell') { kind = k; break; }
      }
    }
    blocks.push({ el, text, linkLen: Math.min(link, text.length), kind });
  };

  const parser = new Parser(
    {
      onopentag(name, a) {
        if (stack.length >= MAX_DEPTH) {
          // htmlparser2 keeps its open-element stack with unshift (quadratic in depth):
          // stop here rather than let a hostile page burn minutes. Real pages nest < 100 deep.
          parser.pause();
          return;
        }
        if (name === 'title' && title.length === 0) inTitle = true;
        if (skipDepth > 0 || SKIP.has(name)) {
          skipDepth++;
          stack.push(null);
          return;
        }
        if (name === 'a') linkDepth++;
        // A line break inside a paragraph: the paragraph stays one block (Blogger-style
        // <br>-separated lines are still prose), rendered with a newline.
        if (name === 'br') parts.push(preDepth > 0 ? '\n' : LINE_BREAK);
        const hidden = isHidden(a);
        if (!BLOCK.has(name) && !hidden) {
          stack.push(null);
          return;
        }
        flush();
        const attrs = `${a.class ?? ''} ${a.id ?? ''} ${a.role ?? ''} ${a.itemprop ?? ''}`.toLowerCase();
        const el = mk(name, current, attrs.length > 3 ? attrs : '', hidden || current.hidden);
        current.children.push(el);
        if (name === 'pre' || name === 'xmp' || name === 'listing') preDepth++;
        stack.push(el);
        current = el;
        partKindEl = el;
      },
      onclosetag(name) {
        const el = stack.pop();
        if (el === undefined) return;
        if (name === 'title') inTitle = false;
        if (skipDepth > 0) {
          if (el === null) skipDepth--;
          if (skipDepth > 0 || SKIP.has(name)) return;
        }
        if (name === 'a' && linkDepth > 0) linkDepth--;
        if (el === null) return;
        flush();
        if (el.tag === 'pre' || el.tag === 'xmp' || el.tag === 'listing') preDepth--;
        current = el.parent ?? root;
        partKindEl = current;
      },
      ontext(data) {
        if (inTitle) {
          if (title.length < 1000) title += data;
          return;
        }
        if (skipDepth > 0) return;
        parts.push(data);
        if (linkDepth > 0) partLink += data.trim().length;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  flush();
  const t = title.replace(/\s+/g, ' ').trim();
  return { root, blocks, title: t || undefined };
}
