import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../core/errors.js';

/** A path into a parsed YAML document: map keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** Parsed YAML plus a way back from a value's path to its line in the file. */
export interface YamlSource {
  value: unknown;
  /** 1-based line of the key at `path` (or of the nearest ancestor that exists). */
  lineOf(path: YamlPath): number;
}

/** Aliases allowed in one file: enough for any hand-written pipeline, far too few for a billion-laughs bomb. */
const MAX_ALIAS_COUNT = 50;
/** A pipeline file is a few KiB; refusing megabytes keeps parse time and memory trivially bounded. */
const MAX_BYTES = 1 << 20;

/** Parses YAML text, keeping positions so validation errors can name the file line. */
export function parseYamlSource(text: string, file: string): YamlSource {
  if (text.length > MAX_BYTES) throw new ConfigError(`${file}: pipeline file over ${MAX_BYTES} bytes`, { path: file });
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0].line ?? 1;
    throw new ConfigError(`${file}:${line}: invalid YAML: ${problem.message.split('\n')[0]}`, { path: file });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`, { path: file });
  }
  const lineOf = (path: YamlPath): number => {
    let node: unknown = doc.contents;
    let line = offsetLine(node, lineCounter) ?? 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        line = offsetLine(pair.key, lineCounter) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        node = node.items[segment];
        line = offsetLine(node, lineCounter) ?? line;
      } else {
        break;
      }
    }
    return line;
  };
  return { value, lineOf };
}

function offsetLine(node: unknown, counter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}
