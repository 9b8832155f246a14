/** `npm run destroy`: deletes the root stack, then the cross stack, after a confirmation. */
import { Command } from 'commander';
import { commandContext, withCommonOptions, type CommonFlags } from './lib/cli';
import { confirm, run } from './lib/command';
import { destroy } from './lib/destroy';

const program = withCommonOptions(new Command('destroy').description('Delete the root stack, then the cross stack'))
  .option('--yes', 'do not ask for confirmation', false)
  .option('--delete-artifacts', 'also delete every version under the key prefix (and the bucket when empty)', false)
  .action((flags: CommonFlags & { yes: boolean; deleteArtifacts: boolean }) =>
    run('destroy', async () => {
      const { config, clients, reporter } = commandContext(flags);
      const what = `${config.rootStackName} and ${config.crossStackName} in ${config.region}${flags.deleteArtifacts ? ` and s3://${config.artifactBucket}/${config.keyPrefix}/` : ''}`;
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new Error(`refusing to delete ${what} without a terminal to confirm: pass --yes`);
        if (!(await confirm(`Delete ${what}?`))) throw new Error('cancelled: nothing deleted');
      }
      const result = await destroy({ config, clients, reporter, deleteArtifacts: flags.deleteArtifacts });
      console.log(`deleted stacks: ${result.deletedStacks.join(', ') || 'none (none existed)'}`);
    }),
  );

await program.parseAsync();
