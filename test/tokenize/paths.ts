import { sharedDataPath } from '../core/project-paths.js';

/** tiny-shakespeare cut into ~4 KB documents (empty when the shared data is absent; an error under KILN_TEST_SHARED=1). */
export async function shakespeareDocs(): Promise<string[]> {
  const file = sharedDataPath('text/tinyshakespeare.txt');
  if (!file) return [];
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(file, 'utf8');
  const docs: string[] = [];
  for (let i = 0; i < text.length; i += 4000) docs.push(text.slice(i, i + 4000));
  return docs;
}
