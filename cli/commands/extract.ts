import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { IoError } from '../../core/errors.js';
import { requireLocalPath } from '../../core/storage/s3-location.js';
import { printJson } from '../print.js';

// A saved page larger than this decompressed is not a page; stops gzip bombs.
const MAX_HTML_BYTES = 64 * 1024 * 1024;

/** `kiln extract FILE.html[.gz]...`: prints each page's main text (or `--json`: [{file, text}]). */
export function register(program: Command): void {
  program
    .command('extract')
    .description('print the main text of saved HTML pages (the extractor the crawler uses)')
    .argument('<files...>', 'HTML files, optionally gzip-compressed (.html.gz)')
    .option('--json', 'print [{"file": ..., "text": ...}] on stdout')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const { decodeHtml, extractMainText } = await import('../../crawl/extract/index.js');
      const results: { file: string; text: string; title?: string }[] = [];
      for (const file of files) {
        let bytes: Uint8Array = await readFile(requireLocalPath(file)).catch((e: unknown) => {
          throw new IoError(`cannot read ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
        });
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
          try {
            bytes = gunzipSync(bytes, { maxOutputLength: MAX_HTML_BYTES });
          } catch (e) {
            throw new IoError(`cannot gunzip ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
          }
        }
        const { text, title } = extractMainText(decodeHtml(bytes));
        results.push({ file, text, title });
        if (!opts.json) process.stdout.write(`${files.length > 1 ? `==> ${file} <==\n` : ''}${text}\n${files.length > 1 ? '\n' : ''}`);
      }
      if (opts.json) printJson(results.map(({ file, text }) => ({ file, text })));
    });
}
