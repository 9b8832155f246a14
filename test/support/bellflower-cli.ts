/**
 * Runs the `bellflower` binary as a user does (`node bin/bellflower.mjs`, what `npx bellflower`
 * starts), with only the environment given (no AWS settings of this machine).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_CREDENTIALS } from '../../scripts/lib/emulator/emulator';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * What `npm run <name>` runs (package.json "scripts"), split into the executable (this node for
 * `node`) and its arguments, to be spawned without npm's own start-up.
 */
export function npmScript(name: string): { readonly command: string; readonly args: readonly string[] } {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command = 'node', ...args] = scripts[name]!.split(' ');
  return { command: command === 'node' ? process.execPath : command, args };
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link bellflower}. */
export interface BellflowerRunOptions {
  readonly onStart?: (kill: (signal: NodeJS.Signals) => void) => void;
  readonly onStderr?: (stderrSoFar: string, kill: (signal: NodeJS.Signals) => void) => void;
  readonly onStdout?: (stdoutSoFar: string, kill: (signal: NodeJS.Signals) => void) => void;
  /** The project whose binary runs (a copy of the tree, see `project-copy.ts`). @default this project */
  readonly root?: string;
  /** Written to the command's stdin (else stdin is closed). */
  readonly stdin?: string;
}

/** Runs `bellflower <args>` with only the given environment (no AWS settings of this machine). */
export function bellflower(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: BellflowerRunOptions = {}): Promise<Result> {
  const root = options.root ?? ROOT;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/bellflower.mjs'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, (signal) => child.kill(signal));
    });
    options.onStart?.((signal) => child.kill(signal));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}


/**
 * The environment of a user pointed at an emulator: its endpoint, static credentials, us-east-1,
 * and a home folder of its own (no profile or credentials file of this machine is read).
 */
export function emulatorEnvironment(home: string, endpoint: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

/**
 * What `bellflower emulator` tells the user to export (endpoint, static credentials, region), over
 * this process's environment without AWS_PROFILE, with a test's own config and dist folders.
 */
export function emulatorCommandEnvironment(endpoint: string, region: string, folders: { configDir: string; distDir: string }): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, ...rest } = process.env;
  return {
    ...rest,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    BELLFLOWER_CONFIG_DIR: folders.configDir,
    BELLFLOWER_DIST_DIR: folders.distDir,
    NODE_NO_WARNINGS: '1',
  };
}
