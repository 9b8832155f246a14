/**
 * `bellflower logs [--follow] [--since 10m] [--execution <uuid|name|arn>] [--json]`: the
 * processing and integration functions' and the state machine's log events, merged by time; the
 * log groups come from the root stack's outputs. `--json` prints one JSON object per line.
 */
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions, withJsonOption } from './cli/command';

interface LogsFlags extends EnvironmentFlags {
  readonly follow?: boolean;
  readonly since: string;
  readonly execution?: string;
  readonly poll: number;
  readonly json?: boolean;
}

/** `bellflower logs`. */
export const command: BellflowerCommand<LogsFlags> = {
  name: 'logs',
  options: (command) =>
    withJsonOption(
    withEnvironmentOptions(command.description("Print the functions' and the state machine's logs, merged by time; --follow for new ones")),
  )
    .option('-f, --follow', 'keep printing new events until Ctrl-C (exit code 130)')
    .option('--since <when>', 'from when: a duration back (30s, 10m, 2h, 1d) or a date (2026-01-31T12:00:00Z)', '10m')
    .option('--execution <id>', 'only the events of one execution: its execution id (UUID), name or ARN')
    .option('--poll <seconds>', 'seconds between two reads with --follow', numberArgument('--poll', { min: 0.1, unit: 'seconds' }), 2),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { deployedOutputs } = await import('./lib/deployment/outputs');
    const { executionFilter, followLogEvents, formatLogEvent, logSources, parseSince, readLogEvents } = await import('./lib/workflow/logs');
    const { colorsFor } = await import('./lib/core/output');
    const startTime = parseSince(flags.since);
    const context = await commandContext(flags);
    const { config, clients, distDir, reporter } = context;
    const { outputs } = await deployedOutputs({ cloudFormation: clients.cloudFormation, env: config.environment, stackName: config.rootStackName, region: config.region, distDir, reporter });
    const sources = logSources(outputs);
    const colors = colorsFor(process.stdout);
    const print = (event: import('./lib/workflow/logs').LogEvent): void => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      const line = formatLogEvent(event);
      process.stdout.write(`${/\b(ERROR|FATAL)\b/.test(line) ? colors.red(line) : /\bWARN\b/.test(line) ? colors.yellow(line) : line}\n`);
    };
    const options = {
      logs: clients.logs,
      sources,
      startTime,
      ...(flags.execution !== undefined ? { contains: executionFilter(flags.execution) } : {}),
      onMissingGroup: (source: import('./lib/workflow/logs').LogSource) => reporter.info(`${source.logGroupName}: no such log group yet (nothing logged)`),
    };
    reporter.info(`log groups: ${sources.map((source) => source.logGroupName).join(', ')}`);
    if (!flags.follow) {
      for (const event of await readLogEvents(options)) print(event);
      return;
    }
    // Until Ctrl-C, which ends the command with exit code 130 as any interrupted command.
    for await (const event of followLogEvents({ ...options, pollMs: flags.poll * 1000 })) print(event);
  },
};

