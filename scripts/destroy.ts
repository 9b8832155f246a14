/** `npm run destroy`: deletes the root stack, then the cross stack (and with --bootstrap the bootstrap stack), after a confirmation. */
import { Command } from 'commander';
import { commandContext, withCommonOptions, type CommonFlags } from './lib/cli';
import { confirm, run } from './lib/command';
import { bootstrapStackName } from './lib/bootstrap';
import { destroy } from './lib/destroy';

const program = withCommonOptions(new Command('destroy').description('Delete the root stack, then the cross stack'))
  .option('--yes', 'do not ask for confirmation', false)
  .option('--delete-artifacts', 'also delete every version under the key prefix (and the bucket when empty)', false)
  .option('--bootstrap', 'also delete the bootstrap stack: its artifact bucket (emptied) and its KMS key, which KMS deletes after 30 days', false)
  .action((flags: CommonFlags & { yes: boolean; deleteArtifacts: boolean; bootstrap: boolean }) =>
    run('destroy', async () => {
      const { config, clients, reporter } = commandContext(flags);
      const what = `${config.rootStackName} and ${config.crossStackName} in ${config.region}${flags.deleteArtifacts ? ` and s3://${config.artifactBucket}/${config.keyPrefix}/` : ''}${flags.bootstrap ? `, then ${bootstrapStackName(config.environment)} (artifact bucket; KMS key scheduled for deletion in 30 days: data encrypted with it becomes unreadable then)` : ''}`;
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new Error(`refusing to delete ${what} without a terminal to confirm: pass --yes`);
        if (!(await confirm(`Delete ${what}?`))) throw new Error('cancelled: nothing deleted');
      }
      const result = await destroy({ config, clients, reporter, deleteArtifacts: flags.deleteArtifacts, bootstrap: flags.bootstrap });
      console.log(`deleted stacks: ${result.deletedStacks.join(', ') || 'none (none existed)'}`);
    }),
  );

await program.parseAsync();
