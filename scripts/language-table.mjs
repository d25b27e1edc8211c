// Build step after tsc: writes eld's language id table as JSON beside its compiled loader
// (crawl/extract/language-table.ts says why).
import { writeLanguageTable, LANGUAGE_TABLE_PATH } from '../dist/crawl/extract/language-table.js';

await writeLanguageTable();
process.stdout.write(`wrote ${LANGUAGE_TABLE_PATH}\n`);
