/**
 * The documentation pages with parts generated from the code, each between its markers: the
 * command reference (`docs/commands.md`) and the permission tables (`docs/permissions.md`).
 * `bellflower docs` writes them; tests fail when one is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/core/paths';
import { allHelpTexts, commandReference, replaceCommandReference } from './command-reference';
import { renderReadme } from './permission-tables';

/** The page holding the command reference. */
export const COMMANDS_PAGE = join(PROJECT_ROOT, 'docs', 'commands.md');

/** The page holding the permission tables. */
export const PERMISSIONS_PAGE = join(PROJECT_ROOT, 'docs', 'permissions.md');

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
  const renderers: readonly [string, (text: string) => string][] = [
    [COMMANDS_PAGE, (text) => replaceCommandReference(text, reference)],
    [PERMISSIONS_PAGE, renderReadme],
  ];
  return Promise.all(
    renderers.map(async ([file, render]) => {
      const current = await readFile(file, 'utf8');
      const rendered = render(current);
      return { file, current, rendered, write: () => writeFile(file, rendered) };
    }),
  );
}
