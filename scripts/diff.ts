/**
 * `bellflower diff` (`npm run diff`): what a deploy would change (nested stacks included); executes
 * nothing. `--change-set <name>` shows a change set kept by `deploy --no-execute`; `--fail` exits 1
 * when there are changes (for CI).
 */
import { type BellflowerCommand, type CfnRoleFlags, type CommonFlags, withCfnRoleOption, withCommonOptions, withJsonOption } from './cli/command';
import { EXIT_CODES, UsageError } from './lib/core/errors';

interface DiffFlags extends CommonFlags, CfnRoleFlags {
  readonly fail?: boolean;
  readonly changeSet?: string;
  readonly json?: boolean;
  readonly bootstrap?: boolean;
}

/** `bellflower diff`. */
export const command: BellflowerCommand<DiffFlags> = {
  name: 'diff',
  options: (command) =>
    withCfnRoleOption(withJsonOption(
    withCommonOptions(command.description('Show what a deploy would change, resource by resource, nested stacks included')),
  ))
    .option('--fail', 'exit with 1 when there are changes (CI)')
    .option('--change-set <name>', 'show the change sets of that name kept by deploy --no-execute (creates nothing)')
    .option('--bootstrap', 'show what `bellflower bootstrap` would change in the bootstrap stack instead'),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { diffBootstrap, diffEnvironment, diffKeptChangeSets, formatChange, hasChanges } = await import('./lib/deployment/diff');
    const { CHANGE_SET_NAME } = await import('./lib/deployment/stacks');
    const { refuseLongNames } = await import('./lib/deployment/publish-preflight');
    const { colorsFor, lineWidth, printJson, shortenLine, shortenLines } = await import('./lib/core/output');
    if (flags.changeSet !== undefined && !CHANGE_SET_NAME.test(flags.changeSet)) {
      throw new UsageError(`--change-set "${flags.changeSet}" is not a change set name (a letter, then letters, digits and "-")`);
    }
    const { config, clients, distDir } = await commandContext(flags, { cfnRole: true, refuse: refuseLongNames });
    if (flags.bootstrap && flags.changeSet !== undefined) throw new UsageError('--bootstrap and --change-set cannot be combined');
    // The IAM tables are drawn to the width of the output, so that nothing in them is cut.
    const width = lineWidth(process.stdout);
    const diffs = flags.bootstrap
      ? [await diffBootstrap({ config, clients, lineWidth: width })]
      : flags.changeSet !== undefined
        ? await diffKeptChangeSets({ config, clients, changeSetName: flags.changeSet })
        : await diffEnvironment({ config, clients, distDir, lineWidth: width });
    const changed = hasChanges(diffs);
    if (flags.json) {
      printJson({ region: config.region, environment: config.environment, hasChanges: changed, stacks: diffs });
    } else {
      const colors = colorsFor(process.stdout);
      for (const diff of diffs) {
        const status =
          diff.status === 'new'
            ? 'does not exist, deploy creates it'
            : diff.status === 'no-change-set'
              ? `no change set ${flags.changeSet ?? ''} (nothing to execute)`
              : diff.status;
        console.log(colors.bold(`Stack ${diff.stackName}: ${status}`));
        if (diff.templateDiff) console.log(colorTemplateDiff(shortenLines(diff.templateDiff, width), colors));
        for (const change of diff.changes) {
          const line = shortenLine(`  ${formatChange(change)}`, width);
          console.log(change.security ? colors.red(line) : change.action === 'Add' ? colors.green(line) : change.action === 'Remove' ? colors.red(line) : colors.yellow(line));
        }
        const security = diff.changes.filter((change) => change.security).length;
        if (security > 0) console.log(colors.red(`  ${security} IAM/security change(s): review them before deploying`));
      }
    }
    if (flags.fail && changed) process.exitCode = EXIT_CODES.failure;
  },
};

/** Colours the `[+]`, `[-]` and `[~]` lines of `@aws-cdk/cloudformation-diff`'s text. */
function colorTemplateDiff(text: string, colors: import('./lib/core/output').Colors): string {
  return text
    .split('\n')
    .map((line) => (/^\s*\[\+\]/.test(line) ? colors.green(line) : /^\s*\[-\]/.test(line) ? colors.red(line) : /^\s*\[~\]/.test(line) ? colors.yellow(line) : line))
    .join('\n');
}

