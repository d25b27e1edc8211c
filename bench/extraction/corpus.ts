/** Loads the two shared extraction corpora (../shared/data/extraction) for the bench and the regression test. */
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';

/** One scrapinghub page with its ground-truth article body. */
export interface ArticlePage {
  id: string;
  /** The page's file name in the corpus (what the tuning split hashes). */
  file: string;
  url: string;
  html: Uint8Array;
  truth: string;
}

/** One trafilatura evaluation page with its must-contain / must-not-contain segments. */
export interface SegmentPage {
  key: string;
  /** The page's file name in the corpus (what the tuning split hashes). */
  file: string;
  url?: string;
  html: Uint8Array;
  with: string[];
  without: string[];
}

/** The scrapinghub pages, or undefined when the shared data is absent. */
export function loadScrapinghub(dataDir: string): ArticlePage[] | undefined {
  const dir = path.join(dataDir, 'extraction/scrapinghub');
  if (!existsSync(dir)) return undefined;
  const truth = JSON.parse(readFileSync(path.join(dir, 'ground-truth.json'), 'utf8')) as Record<string, { articleBody: string; url: string }>;
  return Object.entries(truth).map(([id, t]) => ({
    id,
    file: `${id}.html.gz`,
    url: t.url,
    truth: t.articleBody,
    html: gunzipSync(readFileSync(path.join(dir, 'html', `${id}.html.gz`))),
  }));
}

/** The published reference outputs of one system on the scrapinghub pages. */
export function loadScrapinghubReference(dataDir: string, system: string): Record<string, string> {
  const file = path.join(dataDir, 'extraction/scrapinghub/reference-outputs', `${system}.json`);
  const j = JSON.parse(readFileSync(file, 'utf8')) as { output: Record<string, { articleBody: string }> };
  return Object.fromEntries(Object.entries(j.output).map(([k, v]) => [k, v.articleBody ?? '']));
}

/** The trafilatura evaluation pages, or undefined when the shared data is absent. */
export function loadTrafilatura(dataDir: string): SegmentPage[] | undefined {
  const dir = path.join(dataDir, 'extraction/trafilatura');
  if (!existsSync(dir)) return undefined;
  const ev = JSON.parse(readFileSync(path.join(dir, 'evaldata.json'), 'utf8')) as Record<string, { file: string; with: string[]; without: string[] }>;
  return Object.entries(ev).map(([key, e]) => ({
    key,
    file: path.basename(e.file),
    url: key.startsWith('hard::') ? undefined : key,
    with: e.with ?? [],
    without: e.without ?? [],
    html: gunzipSync(readFileSync(path.join(dir, e.file))),
  }));
}
