/** `npm run synth`: writes the templates and the state machine definition to `dist/` (or `--out`). */
import { join } from 'node:path';
import { type BellflowerCommand, numberArgument } from './cli/command';

/** `bellflower synth`. */
export const command: BellflowerCommand<{ out: string; callbackTimeoutSeconds?: number; callbackHeartbeatSeconds?: number }> = {
  name: 'synth',
  options: (command) =>
    command
    .description('Write the CloudFormation templates and the state machine definition')
    .option('--out <dir>', 'output folder', 'dist')
    .option(
      '--callback-timeout-seconds <n>',
      'TimeoutSeconds of "Wait For Response" (default 86400)',
      numberArgument('--callback-timeout-seconds', { min: 1, integer: true, unit: 'seconds' }),
    )
    .option(
      '--callback-heartbeat-seconds <n>',
      'HeartbeatSeconds of "Wait For Response" (default: no heartbeat required)',
      numberArgument('--callback-heartbeat-seconds', { min: 1, integer: true, unit: 'seconds' }),
    ),
  run: async ({ flags: options }) => {
    const { synthesize } = await import('./lib/build/synth');
    const { files } = await synthesize({
      outDir: options.out,
      callbackTimeoutSeconds: options.callbackTimeoutSeconds,
      callbackHeartbeatSeconds: options.callbackHeartbeatSeconds,
    });
    for (const file of files) console.log(join(options.out, file));
  },
};

