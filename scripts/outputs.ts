/**
 * `bellflower outputs`: the root stack's outputs, read from the stack (DescribeStacks), one
 * `Key = Value` line each or `--json`; dist/outputs/<env>.json is written when missing or stale.
 */
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions, withJsonOption } from './cli/command';

/** `bellflower outputs`. */
export const command: BellflowerCommand<EnvironmentFlags & { json?: boolean }> = {
  name: 'outputs',
  options: (command) => withJsonOption(withEnvironmentOptions(command.description("Print the root stack's outputs (state machine, bucket, queues, roles...)"))),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { deployedOutputs } = await import('./lib/deployment/outputs');
    const { printJson } = await import('./lib/core/output');
    const { config, clients, distDir, reporter } = await commandContext(flags);
    const { outputs } = await deployedOutputs({
      cloudFormation: clients.cloudFormation,
      env: config.environment,
      stackName: config.rootStackName,
      region: config.region,
      distDir,
      reporter,
    });
    const sorted = Object.fromEntries(Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b)));
    if (flags.json) return printJson(sorted);
    for (const [key, value] of Object.entries(sorted)) console.log(`${key} = ${value}`);
  },
};
