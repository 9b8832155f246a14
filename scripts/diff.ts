/** `npm run diff`: what a deploy would change (nested stacks included); executes nothing. */
import { Command } from 'commander';
import { commandContext, withCommonOptions, type CommonFlags } from './lib/cli';
import { run } from './lib/command';
import { diffEnvironment, formatChange } from './lib/diff';

const program = withCommonOptions(
  new Command('diff').description('Show what a deploy would change, resource by resource, nested stacks included'),
).action((flags: CommonFlags) =>
  run('diff', async () => {
    const { config, clients, distDir } = commandContext(flags);
    for (const diff of await diffEnvironment({ config, clients, distDir })) {
      console.log(`Stack ${diff.stackName}: ${diff.status === 'new' ? 'does not exist, deploy creates it' : diff.status}`);
      if (diff.templateDiff) console.log(diff.templateDiff);
      for (const change of diff.changes) console.log(`  ${formatChange(change)}`);
      const security = diff.changes.filter((change) => change.security).length;
      if (security > 0) console.log(`  ${security} IAM/security change(s): review them before deploying`);
    }
  }),
);

await program.parseAsync();
