/**
 * An emulator started as `bellflower emulator` starts it (the shipped emulator configuration's
 * region and KMS key), with a test's own configuration folder (the shipped devl.json with the
 * test's overrides) and dist folder, and the environment a user exports for the commands.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../scripts/lib/core/aws';
import { EMULATOR_CONFIG_DIR, EMULATOR_CREDENTIALS, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../scripts/lib/emulator/emulator';
import { emulatorCommandEnvironment } from './bellflower-cli';

/** config/emulator/devl.json as shipped. */
export const SHIPPED_EMULATOR_CONFIG = JSON.parse(readFileSync(join(EMULATOR_CONFIG_DIR, 'devl.json'), 'utf8')) as Record<string, unknown>;

export interface EmulatorSession {
  readonly emulator: RunningEmulator;
  /** Clients of the emulator, with its credentials. */
  readonly clients: AwsClients;
  /** The test's folder: `config/` and `dist/`. */
  readonly workDir: string;
  /** What `bellflower emulator` tells the user to export, with the test's config and dist folders. */
  readonly env: NodeJS.ProcessEnv;
  /** Stops the emulator and removes the folder. */
  readonly stop: () => Promise<void>;
}

/** Starts an emulator on a free port and writes the test's devl.json (`overrides` over the shipped one). */
export async function startEmulatorSession(
  prefix: string,
  overrides: Record<string, unknown> = {},
  options: Pick<EmulatorOptions, 'sqsBatchDelayMs' | 'duplicateDeliveries'> = {},
): Promise<EmulatorSession> {
  const shipped = SHIPPED_EMULATOR_CONFIG;
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const emulator = await startEmulator({
    port: 0,
    region: String(shipped.region),
    kmsKeyId: String(shipped.kmsKeyId),
    kmsKeyAlias: String(shipped.kmsKeyAlias),
    ...options,
  });
  const configDir = join(workDir, 'config');
  mkdirSync(configDir);
  writeFileSync(join(configDir, 'devl.json'), JSON.stringify({ ...shipped, ...overrides }, null, 2));
  return {
    emulator,
    workDir,
    env: emulatorCommandEnvironment(emulator.endpoint, String(shipped.region), { configDir, distDir: join(workDir, 'dist') }),
    clients: createAwsClients({ region: String(shipped.region), endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS }),
    stop: async () => {
      await emulator.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
