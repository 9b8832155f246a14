/**
 * `bellflower docs` (`npm run docs`): regenerates the README sections made from the code (the IAM
 * contract table and the command reference, each command's `--help`) and docs/capacity.md (the
 * capacity model at the documented defaults); `--check` fails when one is stale.
 */
import { type BellflowerCommand } from './cli/command';

/** `bellflower docs`. */
export const command: BellflowerCommand<{ file: string; capacityFile: string; check?: boolean }> = {
  name: 'docs',
  options: (command) =>
    command
    .description("Regenerate the README sections made from the code (the IAM contract table, the commands' --help) and docs/capacity.md")
    .option('--file <path>', 'the README to update', 'README.md')
    .option('--capacity-file <path>', 'the capacity page to update', 'docs/capacity.md')
    .option('--check', 'change nothing; fail when the README is stale'),
  run: async ({ flags: options }) => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const { renderReadme } = await import('./cli/readme-sections');
    const { allHelpTexts, commandReference, replaceCommandReference } = await import('./cli/command-reference');
    const { capacityPage } = await import('./capacity');
    const pages = [
      { file: options.file, render: async (current: string) => replaceCommandReference(renderReadme(current), commandReference(await allHelpTexts())) },
      { file: options.capacityFile, render: async () => capacityPage() },
    ];
    const stale: string[] = [];
    for (const page of pages) {
      const current = await readFile(page.file, 'utf8').catch(() => '');
      const rendered = await page.render(current);
      if (rendered === current) {
        console.log(`${page.file} is up to date`);
      } else if (options.check) {
        stale.push(page.file);
      } else {
        await writeFile(page.file, rendered);
        console.log(`${page.file} updated`);
      }
    }
    if (stale.length > 0) throw new Error(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run \`bellflower docs\``);
  },
};

