import { readFileSync } from 'node:fs';

/** One fenced block of a Markdown file. */
export interface FencedBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string ('' when the fence has none). */
  lang: string;
  body: string;
}

/** One command of a `sh` block: continuation lines joined, `# comment` lines dropped. */
export interface CommandLine {
  file: string;
  line: number;
  command: string;
}

/** The fenced blocks of a Markdown file, in document order. */
export function fencedBlocks(file: string): FencedBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`${file}:${start + 1}: fence never closed`);
    blocks.push({ file, line: start + 1, lang: open[1], body: body.join('\n') });
  }
  return blocks;
}

/** The commands of a `sh` block, each with the line it starts on. */
export function commandLines(block: FencedBlock): CommandLine[] {
  const out: CommandLine[] = [];
  const lines = block.body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let command = lines[i];
    while (command.endsWith('\\') && i + 1 < lines.length) command = command.slice(0, -1) + lines[++i];
    const trimmed = withoutComment(command).trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    out.push({ file: block.file, line: block.line + 1 + start, command: trimmed });
  }
  return out;
}

/** The command without its trailing `# comment` (a `#` starting a word outside quotes, as in sh). */
function withoutComment(command: string): string {
  let quote = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(command[i - 1]))) return command.slice(0, i);
  }
  return command;
}
