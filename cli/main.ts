import { Command, CommanderError } from 'commander';
import { KilnError, describeError } from '../core/errors.js';

/** What every cli/commands/<name>.ts exports. */
interface CommandModule {
  register(program: Command): void;
}

// Each command lives in cli/commands/<name>.ts. Command files import only light modules at top
// level (their stages load inside the action), so the overview help can load all of them.
// Static specifiers: a missing or broken command file is a build or start error, never a
// command that quietly disappears.
const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  crawl: () => import('./commands/crawl.js'),
  extract: () => import('./commands/extract.js'),
  dedupe: () => import('./commands/dedupe.js'),
  'compact-index': () => import('./commands/compact-index.js'),
  decontaminate: () => import('./commands/decontaminate.js'),
  tokenizer: () => import('./commands/tokenizer.js'),
  tokenize: () => import('./commands/tokenize.js'),
  shard: () => import('./commands/shard.js'),
  train: () => import('./commands/train.js'),
  sample: () => import('./commands/sample.js'),
  run: () => import('./commands/run.js'),
  task: () => import('./commands/task.js'),
  status: () => import('./commands/status.js'),
  schedule: () => import('./commands/schedule.js'),
  inspect: () => import('./commands/inspect.js'),
  card: () => import('./commands/card.js'),
  verify: () => import('./commands/verify.js'),
  takedown: () => import('./commands/takedown.js'),
  quickstart: () => import('./commands/quickstart.js'),
};

const VERSION = '0.1.0';

/** The command files to load for `argv`: the one asked for, none for --version, all otherwise. */
function commandsFor(argv: string[]): string[] {
  const asked = argv[2];
  if (asked !== undefined && Object.hasOwn(COMMANDS, asked)) return [asked];
  if (asked === '--version' || asked === '-V') return [];
  return Object.keys(COMMANDS);
}

/** Builds the `kiln` program with the commands `argv` needs (every command when argv names none). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('kiln')
    .description('Raw web text to training-ready token shards, and a trainer fed by them.')
    .version(VERSION)
    // main() prints commander's errors as one `kiln: KILN_USAGE: ...` line; no help dump after them.
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  const modules = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]()));
  for (const mod of modules) mod.register(program);
  return program;
}

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help', 'commander.executeSubCommandAsync']);

/** Runs the CLI; errors become one line `kiln: <code>: <message>` and exit 1 (2 for bad usage). */
export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version were printed; `kiln` alone (help on stderr, commander's exit 1) is bad usage.
      if (QUIET_EXITS.has(err.code)) {
        process.exitCode = err.exitCode === 0 ? 0 : 2;
        return;
      }
      process.stderr.write(`kiln: KILN_USAGE: ${err.message.replace(/^error: /, '').split('\n')[0]} (see kiln ${argv[2] && Object.hasOwn(COMMANDS, argv[2]) ? `${argv[2]} ` : ''}--help)\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`kiln: ${describeError(err)}\n`);
    if (process.env.KILN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof KilnError ? err.exitCode : 1;
  }
}
