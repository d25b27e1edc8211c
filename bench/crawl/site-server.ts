// The bench site, served from its own process so that neither crawler shares an event loop
// with it: `node dist/bench/crawl/site-server.js PAGES` prints the origin and serves until killed.
// Pages are generated on the fly from the page number (deterministic), ~4 KB of prose each,
// with navigation, a footer and links to other pages; robots.txt disallows /private/.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const WORDS = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');

/** HTML of page `i` of an `n`-page site. */
export function sitePage(i: number, n: number): string {
  let seed = (i * 2654435761) >>> 0;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const sentence = (): string => {
    const len = 8 + Math.floor(rand() * 14);
    const w = Array.from({ length: len }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    w[0] = w[0][0].toUpperCase() + w[0].slice(1);
    return `${w.join(' ')}.`;
  };
  const paragraphs = Array.from({ length: 6 + Math.floor(rand() * 5) }, () => `<p>${Array.from({ length: 3 + Math.floor(rand() * 3) }, sentence).join(' ')}</p>`).join('\n');
  const links = new Set<number>();
  for (let k = 1; k <= 4; k++) links.add((i + k) % n);
  for (let k = 0; k < 6; k++) links.add(Math.floor(rand() * n));
  if (i === 0) for (let k = 1; k < Math.min(n, 60); k++) links.add(k);
  const href = (j: number): string => (j === 0 ? '/' : `/article/${j}`);
  const nav = [0, 1, 2, 3].map((j) => `<a href="${href(j)}">Section ${j}</a>`).join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Article ${i}</title><style>body{font:16px serif}</style><script>var x=${i};</script></head>
<body><header><nav>${nav} <a href="/private/admin">admin</a></nav></header>
<main><article><h1>Article ${i}</h1>
${paragraphs}
</article>
<aside><h2>Related</h2><ul>${[...links].map((j) => `<li><a href="${href(j)}">Article ${j}</a></li>`).join('')}</ul></aside></main>
<footer><p>Copyright the bench site. All rights reserved.</p></footer></body></html>`;
}

if (process.argv[1]?.endsWith('site-server.js')) {
  const n = Number(process.argv[2] ?? 3000);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('User-agent: *\nDisallow: /private/\n');
    }
    const m = path === '/' ? ['/', '0'] : /^\/article\/(\d+)$/.exec(path);
    const i = m ? Number(m[1]) : -1;
    if (i < 0 || i >= n) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('not found');
    }
    const body = sitePage(i, n);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
}
