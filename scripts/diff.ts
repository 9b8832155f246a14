/** `npm run diff`: what a deploy would change (nested stacks included); executes nothing. */
import { Command } from 'commander';
import { commandContext, withCommonOptions, type CommonFlags } from './lib/cli';
import { run } from './lib/command';
import { diffBootstrap, diffEnvironment, formatChange } from './lib/diff';

const program = withCommonOptions(
  new Command('diff').description('Show what a deploy would change, resource by resource, nested stacks included'),
)
  .option('--bootstrap', 'show what `npm run bootstrap` would change in the bootstrap stack instead', false)
  .action((flags: CommonFlags & { bootstrap: boolean }) =>
    run('diff', async () => {
      const { config, clients, distDir } = commandContext(flags);
      const diffs = flags.bootstrap ? [await diffBootstrap({ config, clients })] : await diffEnvironment({ config, clients, distDir });
      for (const diff of diffs) {
        console.log(`Stack ${diff.stackName}: ${diff.status === 'new' ? 'does not exist, deploy creates it' : diff.status}`);
        if (diff.templateDiff) console.log(diff.templateDiff);
        for (const change of diff.changes) console.log(`  ${formatChange(change)}`);
        const security = diff.changes.filter((change) => change.security).length;
        if (security > 0) console.log(`  ${security} IAM/security change(s): review them before deploying`);
      }
    }),
  );

await program.parseAsync();
