import { existsSync } from 'node:fs';
import path from 'node:path';
import { sharedData } from '../core/project-paths.js';

/** A file under ../shared/data, or undefined when the shared data is absent. */
export function sharedFile(relative: string): string | undefined {
  const p = path.join(sharedData, relative);
  return existsSync(p) ? p : undefined;
}

/** tiny-shakespeare cut into ~4 KB documents (empty when the shared data is absent). */
export async function shakespeareDocs(): Promise<string[]> {
  const file = sharedFile('text/tinyshakespeare.txt');
  if (!file) return [];
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(file, 'utf8');
  const docs: string[] = [];
  for (let i = 0; i < text.length; i += 4000) docs.push(text.slice(i, i + 4000));
  return docs;
}
