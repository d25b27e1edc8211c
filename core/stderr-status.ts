// stderr is shared by a redrawn status line (the progress bar on a terminal) and log lines.
// Every stderr line of kiln goes through here, so a log line first clears the bar, is printed
// whole, and the bar is redrawn below it: the two never interleave within a line.
let status = '';

/** Writes one whole line to stderr, keeping the status line (if any) below it. */
export function writeStderrLine(line: string): void {
  if (status) process.stderr.write(`\r\x1b[K${line}\n${status}`);
  else process.stderr.write(line + '\n');
}

/** Shows `text` as the status line (a terminal's redrawn last line). */
export function setStatusLine(text: string): void {
  status = text;
  process.stderr.write(`\r${text}\x1b[K`);
}

/** Ends the status line: it stays on screen and later lines go below it. */
export function endStatusLine(): void {
  if (!status) return;
  status = '';
  process.stderr.write('\n');
}
