/** `npm run docs`: regenerates the README sections made from the code (`--check`: fail when they are stale). */
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { run } from './lib/command';
import { renderReadme } from './lib/docs';

const program = new Command('docs')
  .description('Regenerate the README sections made from the code (the IAM contract table)')
  .option('--file <path>', 'the README to update', 'README.md')
  .option('--check', 'change nothing; fail when the README is stale')
  .action((options: { file: string; check?: boolean }) =>
    run('docs', async () => {
      const current = await readFile(options.file, 'utf8');
      const rendered = renderReadme(current);
      if (rendered === current) return console.log(`${options.file} is up to date`);
      if (options.check) throw new Error(`${options.file} is stale: run \`npm run docs\``);
      await writeFile(options.file, rendered);
      console.log(`${options.file} updated`);
    }),
  );

await program.parseAsync();
