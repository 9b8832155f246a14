/**
 * `bellflower drift [--fail]`: CloudFormation drift detection on the cross, root and nested stacks
 * of an environment; prints each drifted resource with its property differences.
 */
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions, withJsonOption } from './cli/command';

/** `bellflower drift`. */
export const command: BellflowerCommand<EnvironmentFlags & { json?: boolean; fail?: boolean }> = {
  name: 'drift',
  options: (command) =>
    withJsonOption(withEnvironmentOptions(command.description('Detect drift (CloudFormation DetectStackDrift) on the cross, root and nested stacks of an environment, and print the drifted resources with their property differences')))
      .option('--fail', 'exit with code 1 when anything drifted (for CI)')
      .addHelpText('after', '\nExit codes: 0 checked (drifted or not, without --fail), 1 drifted with --fail, or the detection could not run (no stack deployed, an endpoint without drift detection such as the emulator), 2 usage error.'),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { environmentStacks } = await import('./lib/deployment/environment-stacks');
    const { detectDrift, driftLines, hasDrift } = await import('./lib/deployment/drift');
    const { printJson } = await import('./lib/core/output');
    const { config, clients, reporter } = await commandContext(flags);
    const stacks = await environmentStacks(clients.cloudFormation, config);
    const endpoint = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION || process.env.AWS_ENDPOINT_URL || undefined;
    const results = await detectDrift({ cloudFormation: clients.cloudFormation, stacks, reporter, ...(endpoint !== undefined ? { customEndpoint: endpoint } : {}) });
    const drifted = hasDrift(results);
    if (flags.json) printJson({ environment: config.environment, drifted, stacks: results });
    else for (const line of driftLines(results)) console.log(line);
    if (drifted && flags.fail) process.exitCode = 1;
  },
};
