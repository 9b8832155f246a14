/**
 * The `bellflower` binary: one commander program whose subcommands are the commands in
 * `scripts/<command>.ts`. Each command module is imported only when it runs (its own flags,
 * `--help` and action live there, and it imports the AWS SDK only inside its action), so that
 * `bellflower --help` and `--version` load nothing but commander. `tsx scripts/<command>.ts` and
 * `npm run <command>` run the same module.
 */
import { Command } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import { EXIT_CODES, parseCommand, setInvocation } from './command';

/** One subcommand of the binary. */
export interface CommandEntry {
  readonly name: string;
  /** The line `bellflower --help` shows (the command's own `--help` says more). */
  readonly summary: string;
  /** Imports the command module, which parses the arguments set by {@link setInvocation} and runs. */
  readonly load: () => Promise<unknown>;
}

/** Every command, in the order of a deployment's life. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'bootstrap', summary: 'create (or adopt) the KMS key and the artifact bucket, and record them for publish and deploy', load: () => import('../../bootstrap') },
  { name: 'synth', summary: 'write the CloudFormation templates and the state machine definition to dist/', load: () => import('../../synth') },
  { name: 'build', summary: 'bundle the Lambda handlers into deterministic zips under dist/code/', load: () => import('../../build') },
  { name: 'publish', summary: 'check first, then build and upload templates, code and definition to the artifact bucket', load: () => import('../../publish') },
  { name: 'diff', summary: 'show what a deploy would change (nested stacks, IAM and security called out)', load: () => import('../../diff') },
  { name: 'deploy', summary: 'deploy the cross stack, then the root stack, through change sets', load: () => import('../../deploy') },
  { name: 'outputs', summary: "print the root stack's outputs (and refresh dist/outputs/<env>.json)", load: () => import('../../outputs') },
  { name: 'start-execution', summary: 'start an execution of the deployed state machine', load: () => import('../../start-execution') },
  { name: 'respond', summary: "answer a waiting execution as the business application", load: () => import('../../respond') },
  { name: 'watch', summary: 'follow an execution to its end and print its timeline', load: () => import('../../watch') },
  { name: 'logs', summary: "tail the functions' and the state machine's logs", load: () => import('../../logs') },
  { name: 'destroy', summary: 'delete the root stack, then the cross stack', load: () => import('../../destroy') },
  { name: 'deployer-policy', summary: 'print and write the IAM policy that running bootstrap, publish, deploy, diff and destroy needs', load: () => import('../../deployer-policy') },
  { name: 'emulator', summary: 'start the local AWS emulator (moto, patched) to rehearse the deployment without AWS', load: () => import('../../emulator') },
  { name: 'local', summary: 'run the whole workflow on this machine (no AWS account, no Docker)', load: () => import('../../local') },
  { name: 'docs', summary: 'regenerate the README sections made from the code', load: () => import('../../docs') },
];

/** The package's version (package.json). */
export const VERSION: string = packageJson.version;

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
  // Without a command commander prints this help on stderr; parseCommand makes that exit code 2.
  return program;
}

/**
 * Runs `bellflower <args>`: a known command (or `help <command>`) is handed to its module with
 * the arguments after its name; anything else is parsed by {@link topLevelProgram}.
 */
export async function main(args: readonly string[]): Promise<void> {
  const [first, ...rest] = args;
  const helpFor = first === 'help' && rest.length > 0 ? COMMANDS.find((entry) => entry.name === rest[0]) : undefined;
  const entry = helpFor ?? COMMANDS.find((candidate) => candidate.name === first);
  if (entry) {
    setInvocation({ name: `bellflower ${entry.name}`, args: helpFor ? ['--help'] : rest });
    await entry.load();
    return;
  }
  await parseCommand(topLevelProgram(), args);
}
