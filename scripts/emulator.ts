/**
 * `npm run emulator [-- --port <n>]`: an AWS API emulator on 127.0.0.1 (moto with Bellflower's
 * patches, no Docker, no AWS account) for rehearsing the deployment with `--env emulator`. Prints
 * the endpoint and the lines to export; Ctrl-C stops it (exit code 130).
 */
import { Command } from 'commander';
import { numberArgument, run } from './lib/command';
import { loadConfig } from './lib/config';
import { exportLines, startEmulator } from './lib/emulator';

const program = new Command('emulator')
  .description('Start the local AWS emulator (moto) that the "emulator" environment deploys to')
  .option('--port <n>', 'port on 127.0.0.1; 0 picks a free one (default: the port of "endpoint" in config/emulator.json)', numberArgument('--port', { integer: true }))
  .option('--verbose', "print the emulator's request log and the functions' errors", false)
  .action((flags: { port?: number; verbose: boolean }) =>
    run('emulator', async () => {
      const config = loadConfig({ env: 'emulator' });
      const port = flags.port ?? Number(new URL(config.endpoint ?? 'http://127.0.0.1:0').port);
      const emulator = await startEmulator({
        port,
        region: config.region,
        kmsKeyId: config.kmsKeyId,
        kmsKeyAlias: config.kmsKeyAlias,
        ...(flags.verbose ? { onLog: (text: string) => process.stderr.write(text) } : {}),
      });
      // Handled every time: a terminal's Ctrl-C reaches this process both directly and relayed by tsx.
      let interrupted = false;
      process.on('SIGINT', () => {
        interrupted = true;
        void emulator.stop();
      });
      process.on('SIGTERM', () => void emulator.stop());
      console.log(`emulator: moto on ${emulator.endpoint}, KMS key ${config.kmsKeyId} (alias/${config.kmsKeyAlias}) in ${config.region}`);
      if (config.endpoint !== emulator.endpoint) {
        console.log(`not the endpoint of config/emulator.json (${config.endpoint}): export AWS_ENDPOINT_URL as below`);
      }
      for (const line of exportLines(emulator.endpoint, config.region)) console.log(line);
      console.log('then: npm run publish -- --env emulator && npm run deploy -- --env emulator (see README, "Rehearse the deployment without AWS")');
      console.log('Ctrl-C stops it.');
      const code = await emulator.exited;
      // 130: the launcher itself got the terminal's Ctrl-C (it may exit before our handler runs).
      if (interrupted || code === 130) {
        console.log('emulator: stopped');
        process.exitCode = 130;
      } else if (code !== 0) {
        throw new Error(`the emulator exited with code ${code}`);
      }
    }),
  );

await program.parseAsync();
