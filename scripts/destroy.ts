/**
 * `bellflower destroy` (`npm run destroy`): disables the event source mapping, stops the running
 * executions, then deletes the root stack, then the cross stack, after a
 * confirmation, and removes dist/outputs/<env>.json (and dist/manifests/<env>.json when it deletes
 * the artifacts).
 */
import { type BellflowerCommand, type CfnRoleFlags, type CommonFlags, withCfnRoleOption, withCommonOptions } from './cli/command';

/** `bellflower destroy`. */
export const command: BellflowerCommand<CommonFlags & CfnRoleFlags & { yes: boolean; deleteArtifacts: boolean; bootstrap: boolean }> = {
  name: 'destroy',
  options: (command) =>
    withCfnRoleOption(withCommonOptions(command.description('Disable the event source mapping, stop the running executions, then delete the root stack and the cross stack')))
    .option('--yes', 'do not ask for confirmation', false)
    .option('--delete-artifacts', 'also delete every version under the key prefix (and the bucket when empty)', false)
    .option('--bootstrap', 'also delete the bootstrap stack: its artifact bucket (emptied) and its KMS key, which KMS deletes after 30 days', false),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { confirm } = await import('./cli/command');
    const { destroy } = await import('./lib/deployment/destroy');
    const { outputsPath, removeOutputs } = await import('./lib/deployment/outputs');
    const { displayPath } = await import('./lib/core/paths');
    const { config, clients, distDir, reporter } = await commandContext(flags, { cfnRole: true });
    const { bootstrapStackName } = await import('./lib/deployment/bootstrap');
    const what = `${config.rootStackName} and ${config.crossStackName} in ${config.region}${flags.deleteArtifacts ? ` and s3://${config.artifactBucket}/${config.keyPrefix}/` : ''}${flags.bootstrap ? `, then ${bootstrapStackName(config.environment)} (artifact bucket; KMS key scheduled for deletion in 30 days: data encrypted with it becomes unreadable then)` : ''}`;
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new Error(`refusing to delete ${what} without a terminal to confirm: pass --yes`);
      if (!(await confirm(`Delete ${what}?`))) throw new Error('cancelled: nothing deleted');
    }
    const result = await destroy({ config, clients, reporter, deleteArtifacts: flags.deleteArtifacts, bootstrap: flags.bootstrap });
    if (removeOutputs(config.environment, distDir)) reporter.info(`${displayPath(outputsPath(config.environment, distDir))}: removed`);
    // What sync changed went with the stacks.
    const { removeSyncRecord } = await import('./lib/deployment/sync-record');
    const syncRecord = removeSyncRecord(distDir, config.environment);
    if (syncRecord) reporter.info(`${displayPath(syncRecord)}: removed`);
    if (flags.deleteArtifacts || result.bucketDeleted) {
      const { removeManifest } = await import('./lib/deployment/manifest');
      const removed = removeManifest(distDir, config.environment);
      if (removed) reporter.info(`${displayPath(removed)}: removed (the artifacts it names are deleted)`);
    }
    console.log(`deleted stacks: ${result.deletedStacks.join(', ') || 'none (none existed)'}`);
  },
};

