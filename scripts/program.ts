/**
 * The `bellflower` program: the list of commands and the one place that parses the command line
 * and dispatches. Each command is an object exported by `scripts/<command>.ts` (its flags, `--help`
 * and `run`; see `cli/command.ts`), whose module is imported only when it runs (it imports the AWS
 * SDK only inside `run`), so that `bellflower --help` loads nothing but commander.
 * `bin/bellflower.mjs` calls {@link main}; nothing runs when this module is imported.
 */
import { Command } from 'commander';
import { parseProgram, runCommand, type BellflowerCommand } from './cli/command';
import { EXIT_CODES } from './lib/core/errors';
import { silenceSdkNodeWarning } from './lib/core/node-notice';
import { projectVersion } from './lib/core/paths';
import { COMMANDS, type CommandName } from './cli/commands';

export { COMMANDS };

/**
 * Loads a command's module (nothing runs) and returns its command. A command's flags type is its
 * own; the program only hands it what commander parsed.
 */
type CommandLoader = () => Promise<BellflowerCommand<any>>;

/** How each command of {@link COMMANDS} is loaded (a record, so that none is missing). */
const LOADERS: Record<CommandName, CommandLoader> = {
  'doctor': async () => (await import('./doctor')).command,
  'bootstrap': async () => (await import('./bootstrap')).command,
  'synth': async () => (await import('./synth')).command,
  'validate': async () => (await import('./validate')).command,
  'build': async () => (await import('./build')).command,
  'publish': async () => (await import('./publish')).command,
  'diff': async () => (await import('./diff')).command,
  'deploy': async () => (await import('./deploy')).command,
  'drift': async () => (await import('./drift')).command,
  'sync': async () => (await import('./sync')).command,
  'outputs': async () => (await import('./outputs')).command,
  'list': async () => (await import('./list')).command,
  'start-execution': async () => (await import('./start-execution')).command,
  'respond': async () => (await import('./respond')).command,
  'watch': async () => (await import('./watch')).command,
  'load': async () => (await import('./load')).command,
  'capacity': async () => (await import('./capacity')).command,
  'logs': async () => (await import('./logs')).command,
  'destroy': async () => (await import('./destroy')).command,
  'deployer-policy': async () => (await import('./deployer-policy')).command,
  'emulator': async () => (await import('./emulator')).command,
  'event': async () => (await import('./event')).command,
  'invoke': async () => (await import('./invoke')).command,
  'local': async () => (await import('./local')).command,
  'docs': async () => (await import('./docs')).command,
};

/** The package's version (package.json). */
export const VERSION: string = projectVersion();

/** The top-level program: `--help` lists {@link COMMANDS}, `--version`, unknown commands (exit 2). */
export function topLevelProgram(): Command {
  const program = new Command('bellflower')
    .description('Bellflower: a Step Functions callback workflow on AWS, from synthesis to logs')
    .usage('<command> [options]')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help (`bellflower <command> --help` for a command)')
    .helpCommand('help [command]', 'show the help of a command')
    .showSuggestionAfterError(true);
  for (const entry of COMMANDS) program.command(entry.name).description(entry.summary);
  program.addHelpText(
    'after',
    [
      '',
      'Environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL (emulators), NO_COLOR.',
      `Exit codes: ${EXIT_CODES.ok} ok, ${EXIT_CODES.failure} failure, ${EXIT_CODES.usage} usage error, ${EXIT_CODES.interrupted} interrupted.`,
    ].join('\n'),
  );
  // Without a command commander prints this help on stderr; parseProgram makes that exit code 2.
  return program;
}

/**
 * Runs `bellflower <args>`: a known command (or `help <command>`) is loaded and run with the
 * arguments after its name; anything else is parsed by {@link topLevelProgram}.
 */
export async function main(args: readonly string[]): Promise<void> {
  silenceSdkNodeWarning();
  const [first, ...rest] = args;
  const helpFor = first === 'help' && rest.length > 0 ? COMMANDS.find((entry) => entry.name === rest[0]) : undefined;
  const entry = helpFor ?? COMMANDS.find((candidate) => candidate.name === first);
  if (entry) {
    await runCommand(await LOADERS[entry.name](), helpFor ? ['--help'] : rest, `bellflower ${entry.name}`);
    return;
  }
  await parseProgram(topLevelProgram(), args);
}
