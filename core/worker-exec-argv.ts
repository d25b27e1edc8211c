// Node flags a worker thread inherits. A worker gets the parent's process.execArgv by default,
// but flags about how the main script is given (`node --input-type=module -e CODE`, `-p`,
// `--test`, `--watch`) make new Worker() fail (`--input-type can only be used with string
// input`); every worker kiln starts (loader, tokenize pool, local executor) drops them here.

/** Flags that take the next argument as their value when written without `=`. */
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--watch-path', '--test-name-pattern', '--test-reporter', '--test-reporter-destination']);
/** Flags about the main script's source or run mode, meaningless or refused in a worker. */
const MAIN_ONLY = /^(-e|--eval|-p|--print|--input-type|-c|--check|-i|--interactive|--test|--test-.*|--watch|--watch-.*)$/;

/** process.execArgv without the flags a worker thread cannot take (pass as Worker's execArgv). */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.split('=')[0];
    if (!MAIN_ONLY.test(name)) {
      kept.push(arg);
      continue;
    }
    if (!arg.includes('=') && WITH_VALUE.has(name)) i++;
  }
  return kept;
}
