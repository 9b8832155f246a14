/**
 * `bellflower docs` (`npm run docs`): regenerates the README sections made from the code: the IAM
 * contract table and the command reference (each command's `--help`); `--check` fails when they are stale.
 */
import { Command } from 'commander';
import { parseCommand, run } from './lib/cli/command';

const program = new Command('docs')
  .description("Regenerate the README sections made from the code (the IAM contract table, the commands' --help)")
  .option('--file <path>', 'the README to update', 'README.md')
  .option('--check', 'change nothing; fail when the README is stale')
  .action((options: { file: string; check?: boolean }) =>
    run('docs', async () => {
      const { readFile, writeFile } = await import('node:fs/promises');
      const { renderReadme } = await import('./lib/cli/docs');
      const { allHelpTexts, commandReference, replaceCommandReference } = await import('./lib/cli/command-reference');
      const current = await readFile(options.file, 'utf8');
      const rendered = replaceCommandReference(renderReadme(current), commandReference(await allHelpTexts()));
      if (rendered === current) return console.log(`${options.file} is up to date`);
      if (options.check) throw new Error(`${options.file} is stale: run \`bellflower docs\``);
      await writeFile(options.file, rendered);
      console.log(`${options.file} updated`);
    }),
  );

await parseCommand(program);
