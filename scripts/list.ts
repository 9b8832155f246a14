/**
 * `bellflower list`: the stacks of each environment (a `config/<env>.json`) with their status, and
 * the most recent executions of its state machine, readable or `--json`.
 */
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions, withJsonOption } from './cli/command';

/** `bellflower list`. */
export const command: BellflowerCommand<EnvironmentFlags & { json?: boolean; executions: number }> = {
  name: 'list',
  options: (command) =>
    withJsonOption(withEnvironmentOptions(command.description('List the stacks of each environment (every config/<env>.json, or --env) with their status, and the recent executions of its state machine')))
      .option('--executions <n>', 'how many recent executions to show per environment (0: none)', numberArgument('--executions', { min: 0, integer: true }), 5),
  run: async ({ flags, parsed }) => {
    const { readdirSync } = await import('node:fs');
    const { commandContext } = await import('./cli/context');
    const { ConfigError } = await import('./lib/core/config');
    const { configDirOf, DEFAULT_CONFIG_DIR } = await import('./lib/core/paths');
    const { environmentInventory, inventoryLines } = await import('./lib/workflow/inventory');
    const { printJson } = await import('./lib/core/output');
    const { UsageError } = await import('./lib/core/errors');
    const configDir = configDirOf(flags) ?? DEFAULT_CONFIG_DIR;
    const environments =
      parsed.getOptionValueSource('env') === 'default'
        ? readdirSync(configDir).filter((file) => /^[^.]+\.json$/.test(file)).map((file) => file.replace(/\.json$/, '')).sort()
        : [flags.env];
    if (environments.length === 0) throw new UsageError(`no environment: ${configDir} holds no <env>.json (see config/devl.json for the fields)`);
    // One AWS line for the environments that share an account, region and endpoint, not one each.
    const { terminalReporter } = await import('./lib/core/reporter');
    const terminal = terminalReporter();
    const said = new Set<string>();
    const reporter = { ...terminal, info: (line: string) => void (said.has(line) || (said.add(line), terminal.info(line))) };
    const inventories = [];
    for (const env of environments) {
      let context;
      try {
        context = await commandContext({ ...flags, env }, { reporter });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        inventories.push({ environment: env, stacks: [], executions: [], error: error.message });
        continue;
      }
      inventories.push(await environmentInventory(context.clients, context.config, flags.executions));
    }
    if (flags.json) return printJson({ environments: inventories });
    for (const line of inventoryLines(inventories)) console.log(line);
  },
};
