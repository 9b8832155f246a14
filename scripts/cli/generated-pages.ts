/**
 * The documentation pages generated from the code: the command reference (`docs/commands.md`) and
 * the permission tables (`docs/permissions.md`), each between its markers, and the capacity model
 * (`docs/capacity.md`, whole).
 * `bellflower docs` writes them; tests fail when one is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/core/paths';
import { allHelpTexts, commandReference, replaceCommandReference } from './command-reference';
import { renderReadme } from './permission-tables';
import { capacityPage } from '../lib/load/capacity-page';

/** The page holding the command reference. */
export const COMMANDS_PAGE = join(PROJECT_ROOT, 'docs', 'commands.md');

/** The page holding the permission tables. */
export const PERMISSIONS_PAGE = join(PROJECT_ROOT, 'docs', 'permissions.md');

/** The capacity model's page. */
export const CAPACITY_PAGE = join(PROJECT_ROOT, 'docs', 'capacity.md');

/** One page: what it holds now, what it should hold, and how to write that. */
export interface GeneratedPage {
  readonly file: string;
  readonly current: string;
  readonly rendered: string;
  write(): Promise<void>;
}

/** Every generated page, rendered from the code as it is now. */
export async function generatedPages(): Promise<GeneratedPage[]> {
  const reference = commandReference(await allHelpTexts());
  const capacity = await capacityPage();
  const renderers: readonly [string, (text: string) => string][] = [
    [COMMANDS_PAGE, (text) => replaceCommandReference(text, reference)],
    [PERMISSIONS_PAGE, renderReadme],
    [CAPACITY_PAGE, () => capacity],
  ];
  return Promise.all(
    renderers.map(async ([file, render]) => {
      const current = await readFile(file, 'utf8').catch(() => '');
      const rendered = render(current);
      return { file, current, rendered, write: () => writeFile(file, rendered) };
    }),
  );
}
