/**
 * `bellflower deployer-policy` (`npm run deployer-policy`): the least-privilege IAM policy for running bootstrap, publish, deploy,
 * diff and destroy in one environment, printed and written to dist/iam/.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions } from './cli/command';
import { UsageError } from './lib/core/errors';

/** `bellflower deployer-policy`. */
export const command: BellflowerCommand<EnvironmentFlags & { account?: string }> = {
  name: 'deployer-policy',
  options: (command) =>
    withEnvironmentOptions(
    command.description('Print and write the IAM policy a person or CI needs to run bootstrap, publish, deploy, diff and destroy'),
  )
    .addOption(new Option('--account <id>', 'AWS account id (default: the caller\'s, from STS)').argParser((value) => {
      if (!/^\d{12}$/.test(value)) throw new UsageError(`--account must be a 12-digit account id, got "${value}"`);
      return value;
    })),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { deployerContract, deployerPolicy, deployerTargets, MANAGED_POLICY_LIMIT, policySize, writeDeployerPolicy } = await import('./lib/deployment/deployer-policy');
    const { config, distDir, reporter, target } = await commandContext(flags);
    const account = flags.account ?? target.account;
    const targets = deployerTargets(config, account);
    const policy = deployerPolicy(deployerContract(targets));
    console.log(JSON.stringify(policy, null, 2));
    if (!targets.keyArn) reporter.info(`no KMS key recorded for ${config.environment} yet: key actions name every key of the account; run again after bootstrap`);
    const files = writeDeployerPolicy(distDir, config.environment, policy);
    reporter.info(`written: ${files.join(', ')} (${policySize(policy)} characters; a managed policy takes ${MANAGED_POLICY_LIMIT}, so attach the numbered parts, or use the whole as an inline policy)`);
  },
};

