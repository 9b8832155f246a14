/**
 * `bellflower outputs`: the root stack's outputs, read from the stack (DescribeStacks), one
 * `Key = Value` line each or `--json`; dist/outputs/<env>.json is written when missing or stale.
 */
import { Command } from 'commander';
import { parseCommand, run, withEnvironmentOptions, withJsonOption, type EnvironmentFlags } from './lib/cli/command';

const program = withJsonOption(
  withEnvironmentOptions(new Command('outputs').description("Print the root stack's outputs (state machine, bucket, queues, roles...)")),
).action((flags: EnvironmentFlags & { json?: boolean }) =>
  run('outputs', async () => {
    const { commandContext } = await import('./lib/cli/cli');
    const { deployedOutputs } = await import('./lib/workflow/outputs');
    const { printJson } = await import('./lib/cli/output');
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
  }),
);

await parseCommand(program);
