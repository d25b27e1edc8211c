// A generated demo website for the quickstart and for crawl/incremental tests: articles wrapped
// in navigation and footer boilerplate, exact duplicates (mirror pages) and near duplicates
// (syndicated copies), a robots.txt that disallows /private/, a sitemap, and ETag /
// Last-Modified with 304 answers. Bumping `version` changes some articles and adds new ones,
// as a live site does between two crawls.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../core/seeded-random.js';

/** Options of startDemoSite. */
export interface DemoSiteOptions {
  /** Articles at version 1 (each later version adds `newPerVersion`). */
  articles?: number;
  newPerVersion?: number;
  /** Paragraphs per article. */
  paragraphs?: number;
  seed?: number;
  version?: number;
  /** Port to listen on (0: any free port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1; a Slurm test gives one its compute nodes reach). */
  host?: string;
}

/** A running demo site. */
export interface DemoSite {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Current content version; setting a higher one changes and adds pages. */
  version: number;
  /** Paths of every public article page at the current version. */
  articlePaths(): string[];
  /** Paths of exact duplicate pages (same text as an article) and near-duplicate pages. */
  duplicatePaths(): { exact: string[]; near: string[] };
  /** Requests served so far, by path (robots compliance checks). */
  requests: Map<string, number>;
  close(): Promise<void>;
}

const TOPICS: Record<string, { nouns: string[]; verbs: string[]; adjectives: string[] }> = {
  science: {
    nouns: ['telescope', 'cell', 'molecule', 'experiment', 'researcher', 'planet', 'sample', 'theory', 'laboratory', 'signal', 'particle', 'climate'],
    verbs: ['measured', 'observed', 'predicted', 'revealed', 'confirmed', 'tested', 'modelled', 'detected'],
    adjectives: ['distant', 'tiny', 'unexpected', 'stable', 'faint', 'careful', 'precise', 'early'],
  },
  cooking: {
    nouns: ['bread', 'sauce', 'oven', 'garlic', 'recipe', 'kitchen', 'onion', 'dough', 'spice', 'soup', 'pan', 'butter'],
    verbs: ['baked', 'stirred', 'seasoned', 'roasted', 'tasted', 'simmered', 'kneaded', 'served'],
    adjectives: ['warm', 'crisp', 'fresh', 'golden', 'rich', 'simple', 'slow', 'sweet'],
  },
  travel: {
    nouns: ['train', 'harbour', 'village', 'mountain', 'traveller', 'market', 'bridge', 'river', 'island', 'road', 'station', 'coast'],
    verbs: ['crossed', 'visited', 'followed', 'reached', 'explored', 'photographed', 'described', 'mapped'],
    adjectives: ['quiet', 'crowded', 'ancient', 'narrow', 'sunny', 'remote', 'busy', 'green'],
  },
  computing: {
    nouns: ['compiler', 'server', 'network', 'program', 'developer', 'database', 'cache', 'kernel', 'query', 'thread', 'packet', 'file'],
    verbs: ['compiled', 'optimised', 'deployed', 'indexed', 'scheduled', 'parsed', 'benchmarked', 'rewrote'],
    adjectives: ['fast', 'parallel', 'small', 'robust', 'old', 'new', 'distributed', 'lazy'],
  },
};
const TOPIC_NAMES = Object.keys(TOPICS);
const CONNECTORS = ['in', 'near', 'after', 'before', 'with', 'without', 'behind', 'beside'];
const OPENERS = ['Meanwhile', 'Later that week', 'According to the report', 'In the end', 'At first', 'Surprisingly', 'As expected', 'Once again'];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

/** One sentence from a topic's grammar: enough structure for a tiny model to learn something. */
function sentence(topic: string, random: () => number): string {
  const t = TOPICS[topic];
  const np = (): string => `the ${pick(t.adjectives, random)} ${pick(t.nouns, random)}`;
  const core = `${np()} ${pick(t.verbs, random)} ${np()} ${pick(CONNECTORS, random)} ${np()}`;
  const s = random() < 0.3 ? `${pick(OPENERS, random)}, ${core}` : core;
  return s[0].toUpperCase() + s.slice(1) + '.';
}

interface Article {
  n: number;
  topic: string;
  title: string;
  paragraphs: string[];
}

function article(n: number, seed: number, paragraphs: number, version: number): Article {
  // About one article in seven is rewritten at each version after the first (a real edit, not a
  // typo fix: the new text is no near duplicate of the old one).
  let revision = 0;
  for (let v = 2; v <= version; v++) if ((n + v) % 7 === 0) revision = v;
  const random = seededRandom(seed * 100_003 + n + revision * 7_919);
  const topic = TOPIC_NAMES[n % TOPIC_NAMES.length];
  const t = TOPICS[topic];
  const title = `The ${pick(t.adjectives, random)} ${pick(t.nouns, random)}: notes on ${topic} #${n}${revision ? ` (revised ${revision})` : ''}`;
  const paras = Array.from({ length: paragraphs }, () => Array.from({ length: 4 + Math.floor(random() * 4) }, () => sentence(topic, random)).join(' '));
  return { n, topic, title, paragraphs: paras };
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Every page carries the same navigation, sidebar and footer: boilerplate extraction must drop it. */
function layout(title: string, body: string, related: string[]): string {
  const nav = TOPIC_NAMES.map((t) => `<a href="/topics/${t}.html">${t[0].toUpperCase() + t.slice(1)}</a>`).join(' | ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Demo Gazette</title></head>
<body>
<nav class="site-nav"><a href="/">Home</a> | ${nav} | <a href="/about.html">About</a> | <a href="/private/drafts.html">Drafts</a></nav>
<header><p>Demo Gazette: all the news that fits in a test</p><form action="/search"><input name="q"><button>Search</button></form></header>
<main>${body}</main>
<aside><h3>Related</h3><ul>${related.map((r) => `<li><a href="${r}">${escapeHtml(r)}</a></li>`).join('')}</ul><p>Subscribe to our newsletter for weekly updates.</p></aside>
<footer><p>Copyright 2026 Demo Gazette. All rights reserved.</p><p><a href="/privacy.html">Privacy policy</a> | <a href="/terms.html">Terms of use</a> | <a href="/contact.html">Contact</a></p></footer>
</body></html>
`;
}

function articleBody(a: Article, note?: string): string {
  return `<article><h1>${escapeHtml(a.title)}</h1>${note ? `<p><em>${escapeHtml(note)}</em></p>` : ''}${a.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}</article>`;
}

/** Starts the demo site on 127.0.0.1; close() stops it. */
export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const seed = options.seed ?? 7;
  const base = options.articles ?? 120;
  const newPerVersion = options.newPerVersion ?? 10;
  const paragraphs = options.paragraphs ?? 5;
  const requests = new Map<string, number>();
  const state = { version: options.version ?? 1 };
  const count = (): number => base + (state.version - 1) * newPerVersion;
  // Every 10th article has an exact mirror, every 10th (offset 5) a syndicated near-copy.
  const mirrors = (): number[] => Array.from({ length: count() }, (_, n) => n).filter((n) => n % 10 === 0);
  const syndicated = (): number[] => Array.from({ length: count() }, (_, n) => n).filter((n) => n % 10 === 5);
  const related = (n: number): string[] => [1, 2, 3].map((d) => `/articles/${(n + d * 17) % count()}.html`);

  function page(path: string): { body: string; type: string } | undefined {
    if (path === '/robots.txt') return { type: 'text/plain', body: `User-agent: *\nDisallow: /private/\n\nSitemap: ${site.url}/sitemap.xml\n` };
    if (path === '/sitemap.xml') {
      const urls = [...Array.from({ length: count() }, (_, n) => `/articles/${n}.html`), ...mirrors().map((n) => `/mirror/${n}.html`), ...syndicated().map((n) => `/syndicated/${n}.html`), '/private/drafts.html'];
      return { type: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.map((u) => `<url><loc>${site.url}${u}</loc></url>`).join('\n')}\n</urlset>\n` };
    }
    if (path === '/' || path === '/index.html') {
      const links = Array.from({ length: count() }, (_, n) => `<li><a href="/articles/${n}.html">Article ${n}</a></li>`).join('');
      return { type: 'text/html; charset=utf-8', body: layout('Home', `<h1>Latest articles</h1><ul>${links}</ul>`, []) };
    }
    let m = /^\/topics\/(\w+)\.html$/.exec(path);
    if (m && TOPICS[m[1]]) {
      const links = Array.from({ length: count() }, (_, n) => n).filter((n) => TOPIC_NAMES[n % TOPIC_NAMES.length] === m![1]).map((n) => `<li><a href="/articles/${n}.html">Article ${n}</a></li>`);
      return { type: 'text/html; charset=utf-8', body: layout(m[1], `<h1>${m[1]}</h1><ul>${links.join('')}</ul>`, []) };
    }
    m = /^\/(articles|mirror|syndicated)\/(\d+)\.html$/.exec(path);
    if (m) {
      const n = Number(m[2]);
      if (n >= count() || (m[1] === 'mirror' && n % 10 !== 0) || (m[1] === 'syndicated' && n % 10 !== 5)) return undefined;
      const a = article(n, seed, paragraphs, state.version);
      if (m[1] === 'syndicated') {
        // A near duplicate: the same article with one sentence replaced and a syndication note.
        const copy = { ...a, paragraphs: [...a.paragraphs] };
        copy.paragraphs[1] = sentence(a.topic, seededRandom(seed + n)) + copy.paragraphs[1].slice(copy.paragraphs[1].indexOf('.') + 1);
        return { type: 'text/html; charset=utf-8', body: layout(a.title, articleBody(copy, 'Originally published by our partner site.'), related(n)) };
      }
      return { type: 'text/html; charset=utf-8', body: layout(a.title, articleBody(a), related(n)) };
    }
    if (path === '/private/drafts.html') return { type: 'text/html; charset=utf-8', body: layout('Drafts', '<h1>Private drafts</h1><p>This page is disallowed by robots.txt; a polite crawler never fetches it.</p>', []) };
    if (['/about.html', '/privacy.html', '/terms.html', '/contact.html'].includes(path)) return { type: 'text/html; charset=utf-8', body: layout(path.slice(1, -5), `<p>${path.slice(1, -5)}</p>`, []) };
    return undefined;
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const p = req.method === 'GET' || req.method === 'HEAD' ? page(path) : undefined;
    if (!p) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const etag = `"${createHash('sha1').update(p.body).digest('hex').slice(0, 16)}"`;
    // Last-Modified moves with the content version, so conditional GETs see changed pages.
    const lastModified = new Date(Date.UTC(2026, 0, 1) + state.version * 86_400_000).toUTCString();
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      return;
    }
    res.writeHead(200, { 'content-type': p.type, etag, 'last-modified': lastModified, 'content-length': Buffer.byteLength(p.body) });
    res.end(req.method === 'HEAD' ? undefined : p.body);
  });
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const site: DemoSite = {
    url: `http://${host}:${port}`,
    port,
    get version() {
      return state.version;
    },
    set version(v: number) {
      state.version = v;
    },
    articlePaths: () => Array.from({ length: count() }, (_, n) => `/articles/${n}.html`),
    duplicatePaths: () => ({ exact: mirrors().map((n) => `/mirror/${n}.html`), near: syndicated().map((n) => `/syndicated/${n}.html`) }),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Clients with keep-alive pools (the crawler) may hold sockets open: drop them, and never
        // let a straggler keep the caller waiting.
        const timer = setTimeout(resolve, 1000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeAllConnections();
        server.unref();
      }),
  };
  return site;
}
