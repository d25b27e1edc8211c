/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9_\/.,:=@%+-]+$/;

/**
 * Quotes one argument for a POSIX shell: single quotes, with each `'` written as `'\''`.
 * Nothing inside single quotes is expanded, so a path or stage name holding `$(...)`, `;` or a
 * newline reaches the program as the same bytes (pipeline files are user input).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A marker for an argument that must reach the shell unquoted (e.g. `"$SLURM_ARRAY_TASK_ID"`). */
export class ShellRaw {
  constructor(readonly text: string) {}
}

/** A command line with every argument quoted, except ShellRaw ones. */
export function shellCommand(args: ReadonlyArray<string | ShellRaw>): string {
  return args.map((a) => (a instanceof ShellRaw ? a.text : shellQuote(a))).join(' ');
}
