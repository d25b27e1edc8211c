// The takedown deny list: URLs, domains and document ids a takedown removed, so that a later
// crawl does not bring them back. One JSON object a line, append-only (`kiln takedown` writes it,
// the crawl reads it); it lives where the contract between the two can find it, in core/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CorruptInputError } from './errors.js';
import { makeDirs } from './make-dirs.js';
import { writeFileAtomic } from './atomic-file.js';

/** File name of the deny list inside a crawl output's `_kiln/` and a takedown state folder. */
export const DENY_LIST_FILE = 'deny-list.jsonl';

export const denyEntrySchema = z.object({
  kind: z.enum(['url', 'domain', 'id']),
  /** A canonical URL (crawl/live/canonical-url.ts), a lower-case host, or a document id. */
  value: z.string().min(1),
  /** The takedown that added it. */
  takedown: z.string(),
  at: z.string(),
});
export type DenyEntry = z.infer<typeof denyEntrySchema>;

/** A parsed deny list: what a crawl asks before fetching a URL or keeping a document. */
export class DenyList {
  readonly urls = new Set<string>();
  readonly domains = new Set<string>();
  readonly ids = new Set<string>();

  /** Adds one entry. */
  add(e: Pick<DenyEntry, 'kind' | 'value'>): void {
    (e.kind === 'url' ? this.urls : e.kind === 'domain' ? this.domains : this.ids).add(e.value);
  }

  get size(): number {
    return this.urls.size + this.domains.size + this.ids.size;
  }

  /** True when `url` (canonical) is listed, or its host is a listed domain or below one. */
  deniesUrl(url: string): boolean {
    if (this.urls.has(url)) return true;
    if (this.domains.size === 0) return false;
    let host: string;
    try {
      host = new URL(url).hostname.toLowerCase();
    } catch {
      return false;
    }
    return hostInDomains(host, this.domains);
  }
}

/** True when `host` is one of `domains` or a subdomain of one. */
export function hostInDomains(host: string, domains: ReadonlySet<string>): boolean {
  for (let h = host; h.length > 0; ) {
    if (domains.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
  return false;
}

/** Reads a deny list; an absent file is an empty list. Errors name the line. */
export async function readDenyList(file: string, into = new DenyList()): Promise<DenyList> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return into;
    throw err;
  }
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: ReturnType<typeof denyEntrySchema.safeParse>;
    try {
      parsed = denyEntrySchema.safeParse(JSON.parse(line));
    } catch (err) {
      throw new CorruptInputError(`${file}: line ${i + 1} is not JSON (${(err as Error).message})`, { path: file, record: i + 1 });
    }
    if (!parsed.success) throw new CorruptInputError(`${file}: line ${i + 1}: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, { path: file, record: i + 1 });
    into.add(parsed.data);
  });
  return into;
}

/**
 * Adds the entries the list lacks. The new file is written whole and renamed into place, so a
 * kill leaves the old list or the new one, and a rerun adds nothing twice.
 */
export async function addToDenyList(file: string, entries: readonly DenyEntry[]): Promise<number> {
  const have = await readDenyList(file);
  const fresh = entries.filter((e) => !(e.kind === 'url' ? have.urls : e.kind === 'domain' ? have.domains : have.ids).has(e.value));
  if (fresh.length === 0) return 0;
  await makeDirs(path.dirname(file));
  const old = await fs.readFile(file, 'utf8').catch(() => '');
  await writeFileAtomic(file, old + (old && !old.endsWith('\n') ? '\n' : '') + fresh.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return fresh.length;
}
