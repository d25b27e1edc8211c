// The site and config shared by the SIGKILL/resume test and its child process.
import { htmlPage, slow, type Handler } from './fault-server.js';

/** Pages of the resume site: a tree of `count` pages, each answering after `delayMs`. */
export function resumeSite(count: number, delayMs: number): { routes: Record<string, Handler>; paths: string[] } {
  const routes: Record<string, Handler> = {};
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = i === 0 ? '/' : `/p${i}`;
    paths.push(p);
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < count).map((k) => `/p${k}`);
    routes[p] = slow(delayMs, htmlPage(`Page ${i}`, [`This is page number ${i} of the resume test site, with a sentence of text.`], kids));
  }
  return { routes, paths };
}

/** Crawl config of the resume test (commits every 0.2 s so a kill lands between commits). */
export function resumeConfig(origin: string): Record<string, unknown> {
  return { urls: [`${origin}/`], allowPrivate: true, perHostDelayMs: 0, concurrency: 4, perHostConcurrency: 4, commitSeconds: 0.2, discoverSitemaps: false, extractor: 'plain', filter: false, maxPages: 10_000, maxDepth: 20 };
}
