/**
 * `bellflower docs` (`npm run docs`): regenerates the README sections made from the code: the IAM
 * contract table and the command reference (each command's `--help`); `--check` fails when they are stale.
 */
import { type BellflowerCommand } from './cli/command';

/** `bellflower docs`. */
export const command: BellflowerCommand<{ file: string; check?: boolean }> = {
  name: 'docs',
  options: (command) =>
    command
    .description("Regenerate the README sections made from the code (the IAM contract table, the commands' --help)")
    .option('--file <path>', 'the README to update', 'README.md')
    .option('--check', 'change nothing; fail when the README is stale'),
  run: async ({ flags: options }) => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const { renderReadme } = await import('./cli/readme-sections');
    const { allHelpTexts, commandReference, replaceCommandReference } = await import('./cli/command-reference');
    const current = await readFile(options.file, 'utf8');
    const rendered = replaceCommandReference(renderReadme(current), commandReference(await allHelpTexts()));
    if (rendered === current) return console.log(`${options.file} is up to date`);
    if (options.check) throw new Error(`${options.file} is stale: run \`bellflower docs\``);
    await writeFile(options.file, rendered);
    console.log(`${options.file} updated`);
  },
};

