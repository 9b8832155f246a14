/**
 * `bellflower invoke <function> --event <file|->`: runs one bundled handler locally with an event
 * and prints its result (its logs go to stderr); exit code 1 when the handler fails.
 */
import { type BellflowerCommand, numberArgument } from './cli/command';

interface InvokeFlags {
  readonly event: string;
  readonly envVar: readonly string[];
  readonly timeout?: number;
  readonly dist?: string;
}

/** `bellflower invoke`. */
export const command: BellflowerCommand<InvokeFlags> = {
  name: 'invoke',
  options: (command) =>
    command
      .description('Run one bundled Lambda handler (dist/code, rebuilt when its sources changed) on this machine with an event, as `sam local invoke -e` does')
      .argument('<function>', 'processing, integration, s3Folders or s3Notification')
      .requiredOption('--event <file|->', 'the event: a JSON file, or - for standard input (`bellflower event <kind>` prints samples)')
      .option('--env-var <KEY=VALUE>', 'a variable of the function\'s environment, over this shell\'s (repeatable; e.g. S3_BUCKET_NAME, SIMULATED_WORK_MS)', (value: string, previous: string[]) => [...previous, value], [] as string[])
      .option('--timeout <seconds>', 'the invocation\'s timeout (default 300, the template\'s)', numberArgument('--timeout', { min: 1, unit: 'seconds' }))
      .addHelpText('after', '\nThe result is printed on stdout as JSON (a failure: the error payload Lambda returns), the function\'s logs on stderr.\nExit codes: 0 the handler returned, 1 it failed (or could not start), 2 usage error (unknown function, unreadable or bad JSON event).'),
  run: async ({ flags, args }) => {
    const { HandlerFailedError, invokeFunction, parseEnvVars, readEvent, resolveFunction } = await import('./lib/local/invoke');
    const { distDirOf, DEFAULT_DIST_DIR } = await import('./lib/core/paths');
    const { terminalReporter } = await import('./lib/core/reporter');
    const handler = resolveFunction(args[0]!);
    const env = parseEnvVars(flags.envVar);
    const event = await readEvent(flags.event);
    const outcome = await invokeFunction({
      handler,
      event,
      distDir: distDirOf(flags) ?? DEFAULT_DIST_DIR,
      env,
      reporter: terminalReporter(),
      ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
    });
    console.log(JSON.stringify(outcome.ok ? outcome.result : outcome.error, null, 2));
    if (!outcome.ok) throw new HandlerFailedError(`${handler} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  },
};
