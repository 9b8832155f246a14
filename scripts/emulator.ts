/**
 * `bellflower emulator [--port <n>]` (`npm run emulator`): an AWS API emulator on 127.0.0.1 (moto
 * with Bellflower's patches, no Docker, no AWS account) for rehearsing the deployment. It creates
 * the KMS key config/emulator/devl.json names and prints the lines to export, after which the
 * README's commands (`publish`, `deploy`, `start-execution`, `respond`, `watch`, `logs`, `destroy`)
 * run against it unchanged. Ctrl-C stops it (exit code 130).
 */
import { type BellflowerCommand, numberArgument } from './cli/command';

/** `bellflower emulator`. */
export const command: BellflowerCommand<{ port?: number; verbose: boolean; duplicateDeliveries?: boolean }> = {
  name: 'emulator',
  options: (command) =>
    command
    .description('Start the local AWS emulator (moto with Bellflower\'s patches) to rehearse publish, deploy, run and destroy')
    .option('--port <n>', 'port on 127.0.0.1; 0 picks a free one (default: 4599)', numberArgument('--port', { integer: true, min: 0 }))
    .option('--verbose', "print the emulator's request log and the functions' errors", false)
    .option('--duplicate-deliveries', 'deliver every SQS record and S3 event to its function twice (AWS delivers at least once): proves the integration is idempotent'),
  run: async ({ flags }) => {
    const { loadConfig } = await import('./lib/core/config');
    const { EMULATOR_CONFIG_DIR, EMULATOR_DEFAULT_PORT, ancestorPids, exportLines, startEmulator, whenAnyExits } = await import('./lib/emulator/emulator');
    // Read before the start: once an ancestor is gone, the chain cannot be read any more.
    const ancestors = ancestorPids();
    const config = loadConfig({ env: 'devl', configDir: EMULATOR_CONFIG_DIR, processEnv: {} });
    const emulator = await startEmulator({
      port: flags.port ?? EMULATOR_DEFAULT_PORT,
      region: config.region,
      kmsKeyId: config.kmsKeyId,
      kmsKeyAlias: config.kmsKeyAlias,
      ...(flags.duplicateDeliveries ? { duplicateDeliveries: true } : {}),
      ...(flags.verbose ? { onLog: (text: string) => process.stderr.write(text) } : {}),
    });
    // Handled every time: a terminal's Ctrl-C reaches the launcher too, which may exit first.
    let interrupted = false;
    process.on('SIGINT', () => {
      interrupted = true;
      void emulator.stop();
    });
    process.on('SIGTERM', () => void emulator.stop());
    // Stopped through the PID of npx or of a supervisor (no signal reaches this process): stop too.
    let orphaned: number | undefined;
    whenAnyExits(ancestors, (pid) => {
      orphaned = pid;
      void emulator.stop();
    });
    console.log(`emulator: moto on ${emulator.endpoint}, KMS key ${config.kmsKeyId} (alias/${config.kmsKeyAlias}) in ${config.region}`);
    console.log('In another terminal, export these, then follow "Deploy to AWS" (publish, deploy, start-execution, respond, watch, logs, destroy):');
    for (const line of exportLines(emulator.endpoint, config.region)) console.log(line);
    console.log('Ctrl-C stops it.');
    const code = await emulator.exited;
    if (orphaned !== undefined) {
      process.stderr.write(`emulator: stopped (process ${orphaned}, which started it, has exited)\n`);
      process.exitCode = 1;
    } else if (interrupted || code === 130) {
      console.log('emulator: stopped');
      process.exitCode = 130;
    } else if (code !== 0) {
      throw new Error(`the emulator exited with code ${code}`);
    }
  },
};

