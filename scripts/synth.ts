/** `npm run synth`: writes the templates and the state machine definition to `dist/` (or `--out`). */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { synthesize } from './lib/synth';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number of seconds (at least 1), got "${value}"`);
  }
  return n;
}

const program = new Command()
  .name('synth')
  .description('Write the CloudFormation templates and the state machine definition')
  .option('--out <dir>', 'output folder', 'dist')
  .option('--callback-timeout-seconds <n>', 'TimeoutSeconds of "Wait For Response" (default 86400)', positiveInteger)
  .action(async (options: { out: string; callbackTimeoutSeconds?: number }) => {
    try {
      const { files } = await synthesize({ outDir: options.out, callbackTimeoutSeconds: options.callbackTimeoutSeconds });
      for (const file of files) console.log(join(options.out, file));
    } catch (error) {
      console.error(`synth failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  });

await program.parseAsync();
