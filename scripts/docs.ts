/**
 * `bellflower docs` (`npm run docs`): regenerates the parts of `docs/` made from the code: the
 * command reference in `docs/commands.md` (each command's `--help`), the permission tables in
 * `docs/permissions.md` (the IAM contracts) and `docs/capacity.md` (the capacity model);
 * `--check` fails when one is stale.
 */
import { type BellflowerCommand } from './cli/command';

/** `bellflower docs`. */
export const command: BellflowerCommand<{ check?: boolean }> = {
  name: 'docs',
  options: (command) =>
    command
      .description("Regenerate the documentation made from the code: docs/commands.md (the commands' --help), docs/permissions.md (the IAM tables), docs/capacity.md")
      .option('--check', 'change nothing; fail naming each stale page'),
  run: async ({ flags }) => {
    const { generatedPages } = await import('./cli/generated-pages');
    const { displayPath } = await import('./lib/core/paths');
    const pages = await generatedPages();
    const stale = pages.filter((page) => page.rendered !== page.current);
    for (const page of pages) if (!stale.includes(page)) console.log(`${displayPath(page.file)} is up to date`);
    if (stale.length > 0 && flags.check) throw new Error(`stale: ${stale.map((page) => displayPath(page.file)).join(', ')}: run \`bellflower docs\``);
    for (const page of stale) {
      await page.write();
      console.log(`${displayPath(page.file)} updated`);
    }
  },
};
