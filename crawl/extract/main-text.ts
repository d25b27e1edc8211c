/**
 * Main-content extraction: a Readability-style scorer over the light tree from
 * html-tree.ts, then block-level cleaning (link density, boilerplate classes) of the
 * chosen region. One parse, no DOM: several times faster than Readability on linkedom.
 */
import { BOILERPLATE_WORDS, type BoilerplateWords } from './boilerplate-words.js';
import { createLogger } from '../../core/log.js';
import { parseHtmlTree, type Block, type El } from './html-tree.js';

/** Extracted main text of a page and its title; `truncated` when the page was cut at MAX_HTML_CHARS. */
export interface MainText {
  text: string;
  title?: string;
  truncated?: true;
}

const log = createLogger({ component: 'extract' });

// Pages above this are cut before parsing: real articles are far smaller, and it bounds the
// tree (and time) for hostile input.
export const MAX_HTML_CHARS = 8 * 1024 * 1024;

// Elements whose class/id/role says "not the article" (after Readability's unlikelyCandidates,
// plus cookie/consent/share patterns common since).
const UNLIKELY =
  /-ad-|\bads?\b|\badvert|banner|breadcrumb|combx|comment|community|cookie|consent|disqus|extra|footer|gdpr|\bheader|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|pagination|pager|popup|newsletter|subscri|\bshare|sharing|promo|outbrain|taboola|signup|login|modal|overlay|widget|navigation|\bnav\b|navbar|contentinfo|complementary|\btags?\b|tag-?list|author-?(bio|info|box)|recommend|teaser|trending|most-?popular|byline|dateline|caption-credit|print|toolbar|jump-?link|skip-?link|sr-only|screen-?reader|visually-?hidden|hidden|slideshow|carousel|caption|credit|lightbox/;
const MAYBE = /article|body|column|content|main|shadow|story|entry|post|text/;
const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|articlebody/;
const NEGATIVE =
  /-ad-|hidden|banner|combx|comment|com-|contact|foot|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|nav|menu|cookie|subscri|newsletter|recommend|teaser/;

// Landmark elements that are boilerplate by definition.
const DROP_TAGS = new Set(['nav', 'aside', 'footer', 'menu', 'figure', 'figcaption']);

const TAG_BASE: Record<string, number> = {
  div: 5, article: 10, main: 8, section: 3, pre: 3, td: 3, blockquote: 3,
  address: -3, ol: -3, ul: -3, dl: -3, dd: -3, dt: -3, li: -3, form: -3,
  h1: -5, h2: -5, h3: -5, h4: -5, h5: -5, h6: -5, th: -5,
};

function classWeight(el: El): number {
  const a = el.attrs;
  if (!a) return 0;
  let w = 0;
  if (NEGATIVE.test(a)) w -= 25;
  if (POSITIVE.test(a)) w += 25;
  if (a.includes('articlebody')) w += 50;
  return w;
}

function isDropped(el: El, pageGood: number): boolean {
  if (DROP_TAGS.has(el.tag)) return true;
  // A class name is weak evidence: an element holding most of the page's prose is the
  // article whatever it is called (e.g. a theme's "sidebar-wrapper" around everything).
  if (el.rawGoodLen > 0.5 * pageGood) return false;
  const a = el.attrs;
  if (!a || el.tag === 'body' || el.tag === 'html' || el.tag === 'article' || el.tag === 'main') return false;
  if (a.includes('articlebody')) return false;
  return UNLIKELY.test(a) && !MAYBE.test(a);
}

// Boilerplate lines by their words, from the general per-language vocabulary (all languages at
// once: a page's language is not known yet, and the words rarely collide across languages).
const VOCAB = Object.values(BOILERPLATE_WORDS);
const escape = (w: string): string => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Longest first, so "share this" is tried before "share".
const alternatives = (pick: (w: BoilerplateWords) => string[], extra: string[] = []): string =>
  [...new Set([...VOCAB.flatMap(pick), ...extra])].sort((x, y) => y.length - x.length).map(escape).join('|');
// Not followed by a letter or digit: \b is ASCII-only and would cut "schließen" or "précédent".
const END = '(?![\\p{L}\\p{N}])';
// "Tags: a, b", "Source: Reuters", "Share" (a label alone or followed by a colon or separator).
const LABEL_LINE = new RegExp(`^(?:${alternatives((w) => w.labels)})\\s*(?:[:|/•·]|$)`, 'iu');
// "Home", "Next »", "Back to top ↑": the whole line is a navigation word or prompt.
const NAV_LINE = new RegExp(`^(?:${alternatives((w) => w.nav)})[\\s\\p{P}\\p{S}]*$`, 'iu');
// The copyright sign is boilerplate in every language.
const BOILERPLATE_ANYWHERE = new RegExp(`(?:${alternatives((w) => w.anywhere, ['©'])})`, 'iu');
// A short line that starts the tail of a page (related links, comments, more stories): what
// follows it inside the article region is dropped too.
const TAIL_MARKER = new RegExp(`^(?:${alternatives((w) => w.tail)})${END}`, 'iu');
const SHORT_LINE = 100;

// A block this long with few links reads as prose rather than navigation or metadata.
const GOOD_MIN = 25;

const COMMAS = /[,،、，﹐﹑︐︑]/g;

/**
 * Extracts the main text (article body) of an HTML page. `opts.url` names the page in the log
 * line written when it is cut at MAX_HTML_CHARS (callers count `truncated` results).
 */
export function extractMainText(html: string, opts: { url?: string } = {}): MainText {
  const truncated = html.length > MAX_HTML_CHARS;
  if (truncated) log.warn('extract_truncated', { url: opts.url ?? null, chars: html.length, kept: MAX_HTML_CHARS });
  const tree = parseHtmlTree(truncated ? html.slice(0, MAX_HTML_CHARS) : html);
  const { blocks } = tree;

  // Drop flags resolved top-down once (an element is dropped when it or an ancestor is).
  const dropped = new Set<El>();
  const isGood = (b: Block): boolean => b.kind !== 'h' && b.text.length >= GOOD_MIN && b.linkLen < 0.3 * b.text.length;
  for (const b of blocks) {
    if (!isGood(b)) continue;
    for (let e: El | null = b.el; e; e = e.parent) e.rawGoodLen += b.text.length;
  }
  const pageGood = tree.root.rawGoodLen;
  // Recursion depth = HTML nesting depth; htmlparser2 does not bound it, so walk iteratively.
  const walk: [El, boolean][] = [[tree.root, false]];
  while (walk.length) {
    const [el, inh] = walk.pop()!;
    const d = inh || el.hidden || isDropped(el, pageGood);
    if (d) dropped.add(el);
    for (const c of el.children) walk.push([c, d]);
  }

  const live = blocks.filter((b) => !dropped.has(b.el));
  // Safety net: when the drop rules removed nearly everything, they were wrong for this page.
  const liveLen = live.reduce((n, b) => n + b.text.length, 0);
  const allLen = blocks.reduce((n, b) => n + b.text.length, 0);
  const usable = liveLen < 200 && allLen > 3 * liveLen ? blocks.filter((b) => !b.el.hidden) : live;

  for (const b of usable) {
    const good = isGood(b) ? b.text.length : 0;
    for (let e: El | null = b.el; e; e = e.parent) {
      e.textLen += b.text.length;
      e.linkLen += b.linkLen;
      e.goodLen += good;
    }
  }

  const candidates: El[] = [];
  const touch = (e: El): void => {
    if (Number.isNaN(e.score)) {
      e.score = (TAG_BASE[e.tag] ?? 0) + classWeight(e);
      candidates.push(e);
    }
  };
  for (const b of usable) {
    const len = b.text.length;
    if (len < 25 || b.kind === 'li' || b.kind === 'h') continue;
    const points = 1 + (b.text.match(COMMAS)?.length ?? 0) + Math.min(Math.floor(len / 100), 3);
    let e: El | null = b.kind === 'text' || b.kind === 'cell' ? b.el : b.el.parent;
    for (let level = 0; e && level < 5; e = e.parent, level++) {
      if (e.tag === '#root') break;
      touch(e);
      e.score += points / (level === 0 ? 1 : level === 1 ? 2 : level * 3);
    }
  }
  let top: El | undefined;
  let topScore = -Infinity;
  // A small teaser with a lucky class name must not beat the article: candidates need a fair
  // share of the page's prose.
  let maxGood = 0;
  for (const c of candidates) if (c.tag !== 'body' && c.tag !== 'html' && c.goodLen > maxGood) maxGood = c.goodLen;
  const minGood = 0.3 * maxGood;
  for (const c of candidates) {
    const ld = c.textLen > 0 ? c.linkLen / c.textLen : 0;
    c.score *= 1 - ld;
    if (c.goodLen < minGood) continue;
    if (c.score > topScore) {
      topScore = c.score;
      top = c;
    }
  }

  // Readability picks one node; articles split over several sibling wrappers need an
  // ancestor. Take the ancestor (below <body>) with the most prose net of other text.
  const lambda = 2;
  if (top) {
    let best = top;
    let bestGain = top.goodLen - lambda * (top.textLen - top.goodLen);
    for (let p = top.parent; p && p.tag !== 'body' && p.tag !== 'html' && p.tag !== '#root'; p = p.parent) {
      const gain = p.goodLen - lambda * (p.textLen - p.goodLen);
      if (gain > bestGain) {
        best = p;
        bestGain = gain;
      }
    }
    top = best;
  }
  const roots = new Set<El>();
  if (!top || top.tag === 'body' || top.tag === 'html') {
    roots.add(tree.root);
  } else {
    // Readability's sibling rule: siblings scoring near the top candidate belong to the article.
    const threshold = Math.max(10, topScore * 0.2);
    const parent = top.parent;
    if (parent) {
      for (const s of parent.children) {
        if (s === top) { roots.add(s); continue; }
        if (dropped.has(s)) continue;
        const ld = s.textLen > 0 ? s.linkLen / s.textLen : 1;
        if (!Number.isNaN(s.score) && s.score >= threshold) roots.add(s);
        else if (s.tag === 'p' && s.textLen > 80 && ld < 0.25) roots.add(s);
      }
    } else roots.add(top);
  }

  const inRoots = (el: El): boolean => {
    for (let e: El | null = el; e; e = e.parent) if (roots.has(e)) return true;
    return false;
  };
  const junk = (el: El): boolean => {
    // A container inside the article that is mostly links (related lists, tag clouds, menus).
    for (let e: El | null = el; e && !roots.has(e); e = e.parent) {
      if (e.textLen === 0) continue;
      const ld = e.linkLen / e.textLen;
      if (ld > 0.5 && e.tag !== 'p') return true;
      if (classWeight(e) < 0 && ld > 0.2) return true;
    }
    return false;
  };

  const out: string[] = [];
  const title = tree.title;
  let regionGood = 0;
  for (const r of roots) regionGood += r.goodLen;
  let seenGood = 0;
  for (const b of usable) {
    if (!inRoots(b.el)) continue;
    const len = b.text.length;
    if (len < SHORT_LINE) {
      if (TAIL_MARKER.test(b.text) && seenGood > 0.5 * regionGood) break;
      if (LABEL_LINE.test(b.text) || NAV_LINE.test(b.text) || BOILERPLATE_ANYWHERE.test(b.text)) continue;
    } else if (len < 2 * SHORT_LINE && BOILERPLATE_ANYWHERE.test(b.text)) continue;
    if (b.kind !== 'h' && b.linkLen / len > 0.5) continue;
    if (junk(b.el)) continue;
    if (isGood(b)) seenGood += len;
    out.push(b.text);
  }
  const text = out.join('\n');
  return truncated ? { text, title, truncated } : { text, title };
}

