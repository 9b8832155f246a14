/**
 * `bellflower deployer-policy` (`npm run deployer-policy`): the least-privilege IAM policy for running publish, deploy, diff
 * and destroy in one environment, printed and written to dist/iam/. CloudFormation changes the stacks as the execution role
 * bootstrap creates (an administrator runs bootstrap); this policy passes that role to CloudFormation only.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions } from './cli/command';
import { UsageError } from './lib/core/errors';

/** `bellflower deployer-policy`. */
export const command: BellflowerCommand<EnvironmentFlags & { account?: string }> = {
  name: 'deployer-policy',
  options: (command) =>
    withEnvironmentOptions(
    command.description('Print and write the IAM policy a person or CI needs to run publish, deploy, diff and destroy (with the execution role)'),
  )
    .addOption(new Option('--account <id>', 'AWS account id (default: the caller\'s, from STS; given, no AWS call is made)').argParser((value) => {
      if (!/^\d{12}$/.test(value)) throw new UsageError(`--account must be a 12-digit account id, got "${value}"`);
      return value;
    })),
  run: async ({ flags }) => {
    const { commandContext, configOf } = await import('./cli/context');
    const { terminalReporter } = await import('./lib/core/reporter');
    const { DEFAULT_DIST_DIR, distDirOf } = await import('./lib/core/paths');
    const { deployerContract, deployerPolicy, deployerTargets, MANAGED_POLICY_LIMIT, personEntries, policySize, writeDeployerPolicy } = await import('./lib/deployment/deployer-policy');
    // With --account the policy is computed from the configuration alone (no credentials needed:
    // an administrator can write it before the deployer exists); without, STS says whose account.
    const { config, distDir, reporter, account } =
      flags.account !== undefined
        ? { config: await configOf(flags), distDir: distDirOf(flags) ?? DEFAULT_DIST_DIR, reporter: terminalReporter(), account: flags.account }
        : await commandContext(flags).then((context) => ({ ...context, account: context.target.account }));
    const targets = deployerTargets(config, account);
    const policy = deployerPolicy(personEntries(deployerContract(targets)));
    console.log(JSON.stringify(policy, null, 2));
    if (!targets.keyArn) reporter.info(`no KMS key recorded for ${config.environment} yet: key actions name every key of the account; run again after bootstrap`);
    const files = writeDeployerPolicy(distDir, config.environment, policy);
    reporter.info(`written: ${files.join(', ')} (${policySize(policy)} characters; a managed policy takes ${MANAGED_POLICY_LIMIT}${files.length > 1 ? ', so attach the numbered parts, or use the whole as an inline policy' : ''})`);
    reporter.info('CloudFormation creates, updates and deletes the resources as the execution role bootstrap creates (its policy is in the bootstrap stack); bootstrap and destroy --bootstrap need an administrator');
  },
};

