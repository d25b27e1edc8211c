// eld's 'medium' n-gram table as a JSON file beside this module, written once at build time
// (`npm run build` runs scripts/language-table.mjs) and read with JSON.parse at run time.
// Why: eld ships the table as a 2 MB JavaScript object literal; V8 compiling and running it
// took 2.8-5.4 s and +194 MB RSS per process on this 2-core machine, JSON.parse of the same
// data 1.1-1.6 s and +60 MB (measured side by side, 2026-12-05). A small crawl paid more for
// that table than for fetching 400 pages. The detector itself stays eld's (same code, same data).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KilnError } from '../../core/errors.js';

/** eld's n-gram database, as its entry files pass it to `loadData`. */
export interface EldNgramsData {
  type: string;
  languages: Record<string, string>;
  isSubset: boolean;
  ngrams: Record<string, Record<string, number>>;
}

/** The slice of an eld instance kiln uses. */
export interface EldDetector {
  detect(text: string): { language: string; getScores(): Record<string, number> };
}

/** Where the build writes the table: next to the compiled module. */
export const LANGUAGE_TABLE_PATH = fileURLToPath(new URL('./eld-medium.json', import.meta.url));

// eld's package exports only its entry files; the detector factory and the table sit beside them.
// eld is pinned (package.json) and test/crawl/extract/language-table.test.ts checks that a detector
// built here answers exactly as `eld/medium` does.
const eldEntry = import.meta.resolve('eld');
const eldFile = (rel: string): string => new URL(rel, eldEntry).href;

/** Reads the table the build wrote; a missing one is an error naming the command that writes it. */
export function readLanguageTable(file = LANGUAGE_TABLE_PATH): EldNgramsData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KilnError('KILN_LANGUAGE_TABLE', `language id table ${file} is missing: run \`npm run build\` (it writes the table after tsc)`, { path: file }, { cause: err });
  }
  return JSON.parse(text) as EldNgramsData;
}

type CreateEld = () => { instance: EldDetector; loadData(d: EldNgramsData): string };
// The factory module is small (12 KB, no data); the table is what costs.
const { createEld } = (await import(eldFile('../languageDetector.js'))) as { createEld: CreateEld };

/** An eld detector loaded with `table`. */
export function eldDetector(table: EldNgramsData): EldDetector {
  const { instance, loadData } = createEld();
  if (!loadData(table)) throw new KilnError('KILN_LANGUAGE_TABLE', 'eld did not accept the language id table', { path: LANGUAGE_TABLE_PATH });
  return instance;
}

/** eld's own 'medium' table, loaded the slow way (its JavaScript module): for the build and for tests. */
export async function eldMediumTable(): Promise<EldNgramsData> {
  return ((await import(eldFile('../ngrams/medium.js'))) as { ngramsData: EldNgramsData }).ngramsData;
}

/** Writes eld's 'medium' table as JSON to `file` (tmp + rename, so a reader never sees half of it). */
export async function writeLanguageTable(file = LANGUAGE_TABLE_PATH): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(await eldMediumTable()));
  renameSync(tmp, file);
}
