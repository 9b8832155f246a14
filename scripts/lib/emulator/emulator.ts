/**
 * The local AWS emulator (`npm run emulator`): moto's server started through Bellflower's launcher
 * (`emulator/bellflower_moto.py`, which patches what moto 5.2.1 lacks for the real deployment
 * flow) on 127.0.0.1, with the KMS key the `emulator` configuration names. Never talks to AWS.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONFIG_DIR_VARIABLE, DIST_DIR_VARIABLE, PROJECT_ROOT } from '../core/paths';
import { BellflowerError } from '../core/errors';
import { keyPolicy } from '../../../templates/iam-contract';

/** moto's account (`DEFAULT_ACCOUNT_ID`), the one the emulator's resources live in. */
const MOTO_DEFAULT_ACCOUNT = '123456789012';


/** The Python launcher. */
export const EMULATOR_LAUNCHER = join(PROJECT_ROOT, 'emulator', 'bellflower_moto.py');

/** What to run when Python or moto is missing. */
export const EMULATOR_INSTALL_HINT = "pip install 'moto[server]==5.2.1'";

/** Dummy credentials the emulator accepts (any would do; these match moto's documentation). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The emulator could not start; the message says why and how to fix it. */
export class EmulatorError extends BellflowerError {
  override readonly name = 'EmulatorError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Region of the KMS key. @default 'us-east-1' */
  readonly region?: string;
  /** A KMS key created at start-up with this id (and {@link kmsKeyAlias}), as the configuration names it. */
  readonly kmsKeyId?: string;
  /** Alias of that key, without `alias/`. */
  readonly kmsKeyAlias?: string;
  /** Python interpreter with moto installed. @default `BELLFLOWER_PYTHON`, else python3, else python */
  readonly python?: string;
  /** Called with every chunk the server logs (requests, function errors). @default discarded */
  readonly onLog?: (text: string) => void;
  /**
   * Deliver every SQS record and S3 event notification to its function twice, as AWS may
   * (at-least-once delivery; emulator/patches/delivery.py). @default false
   */
  readonly duplicateDeliveries?: boolean;
  /**
   * Start every SQS batch's invocation this long after the batch was received (a slow start, as
   * after a cold start), so a batch stays in flight (emulator/patches/sqs_poller.py). @default 0
   */
  readonly sqsBatchDelayMs?: number;
  /** How long to wait for the server to answer. @default 30000 */
  readonly startTimeoutMs?: number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:4599` */
  readonly endpoint: string;
  readonly port: number;
  /** The launcher's process id. */
  readonly pid: number;
  /** Resolves with the exit code when the server stops (by itself or through {@link stop}). */
  readonly exited: Promise<number | null>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Asks the OS for a free loopback port. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when nothing listens on 127.0.0.1:`port` (this process can bind it). */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/**
 * The process listening on TCP `port`, as `pid 1234 (python3 -m moto.server)`, from `lsof` (Linux,
 * macOS), else `ss` (Linux); undefined when neither names it (another user's process, no tool).
 */
export function portHolder(port: number): string | undefined {
  const lsof = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { encoding: 'utf8' });
  let pid = /^p(\d+)$/m.exec(lsof.stdout ?? '')?.[1];
  let name = /^c(.+)$/m.exec(lsof.stdout ?? '')?.[1];
  if (pid === undefined) {
    const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const user = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout ?? '');
    [name, pid] = [user?.[1], user?.[2]];
  }
  if (pid === undefined) return undefined;
  let commandLine: string | undefined;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    commandLine = undefined;
  }
  return `pid ${pid} (${commandLine || name || 'unknown command'})`;
}

/** Throws {@link EmulatorError} naming the process that holds `port` and what to do, when it is taken. */
export async function checkPortFree(port: number): Promise<void> {
  if (port === 0 || (await portIsFree(port))) return;
  const holder = portHolder(port);
  throw new EmulatorError(
    `port ${port} on 127.0.0.1 is in use${holder ? ` by ${holder}` : ' (by a process this user cannot see)'}: stop it${holder?.includes('bellflower') ? ' (an emulator already running?)' : ''}, or pass --port <another> (0 picks a free one)`,
  );
}

/**
 * The processes this one runs under (parent, its parent, ... below pid 1): `npx`, `sh`, a
 * supervisor. Read once with `ps` (Linux, macOS); empty when it cannot be read.
 */
export function ancestorPids(pid: number = process.pid): number[] {
  const ancestors: number[] = [];
  for (let current = pid; ancestors.length < 32; ) {
    const parent = Number(spawnSync('ps', ['-o', 'ppid=', '-p', String(current)], { encoding: 'utf8' }).stdout?.trim());
    if (!Number.isInteger(parent) || parent <= 1) break;
    ancestors.push(parent);
    current = parent;
  }
  return ancestors;
}

/**
 * Calls `onGone` once when one of `pids` has exited (polled every `intervalMs`), so that a
 * command stopped through the PID of `npx` or of a supervisor (which pass no signal on) does not
 * leave its server running. Returns the stop function; the timer keeps nothing alive.
 */
export function whenAnyExits(pids: readonly number[], onGone: (pid: number) => void, intervalMs = 500): () => void {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists, under another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const timer = setInterval(() => {
    const gone = pids.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The Python interpreter to use: `BELLFLOWER_PYTHON`, else the first of python3 and python on the PATH. */
export function findPython(env = process.env): string | undefined {
  if (env.BELLFLOWER_PYTHON) return env.BELLFLOWER_PYTHON;
  return ['python3', 'python'].find((command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0);
}

/** The lines a shell runs (`export`, and `unset` of a profile)  so that the SDK and the AWS CLI talk to the emulator. */
export function exportLines(endpoint: string, region: string): string[] {
  return [
    `export AWS_ENDPOINT_URL=${endpoint}`,
    `export AWS_ACCESS_KEY_ID=${EMULATOR_CREDENTIALS.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${EMULATOR_CREDENTIALS.secretAccessKey}`,
    `export AWS_REGION=${region}`,
    // A profile beside the keys makes the SDK warn of several credential sources and sign with the
    // profile, which the emulator knows nothing of (a profile without credentials fails every call).
    'unset AWS_PROFILE AWS_DEFAULT_PROFILE',
    `export ${CONFIG_DIR_VARIABLE}=${EMULATOR_CONFIG_DIR}`,
    `export ${DIST_DIR_VARIABLE}=${EMULATOR_DIST_DIR}`,
  ];
}

/** The emulator's configuration folder: `<env>.json` files for the emulator. */
export const EMULATOR_CONFIG_DIR = join(PROJECT_ROOT, 'config', 'emulator');

/** The emulator's build and outputs folder, apart from the project's `dist/`. */
export const EMULATOR_DIST_DIR = join(PROJECT_ROOT, 'dist', 'emulator');

/** The port `bellflower emulator` listens on unless `--port` says otherwise. */
export const EMULATOR_DEFAULT_PORT = 4599;

/** Starts the launcher and waits until moto answers; throws {@link EmulatorError} with the fix when it cannot. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const python = options.python ?? findPython();
  if (python === undefined) throw new EmulatorError(`no python3 or python on the PATH: install Python 3, then ${EMULATOR_INSTALL_HINT}`);
  if (options.port) await checkPortFree(options.port);
  const port = options.port || (await freeLoopbackPort());
  const endpoint = `http://127.0.0.1:${port}`;
  const args = [
    EMULATOR_LAUNCHER,
    '--port',
    String(port),
    '--node',
    process.execPath,
    '--sdk-node-modules',
    join(PROJECT_ROOT, 'node_modules'),
    '--region',
    options.region ?? 'us-east-1',
    ...(options.duplicateDeliveries ? ['--duplicate-deliveries'] : []),
    ...(options.sqsBatchDelayMs ? ['--sqs-batch-delay-ms', String(options.sqsBatchDelayMs)] : []),
    ...(options.kmsKeyId !== undefined
      ? [
          '--kms-key-id',
          options.kmsKeyId,
          '--kms-alias',
          options.kmsKeyAlias ?? 'bellflower-emulator',
          // The policy bootstrap gives its keys (deploy's preflight checks it), in moto's default account.
          '--kms-key-policy',
          JSON.stringify(keyPolicy({ accountId: MOTO_DEFAULT_ACCOUNT, partition: 'aws' })),
        ]
      : []),
  ];
  const child: ChildProcess = spawn(python, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey },
  });
  let recent = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    recent = (recent + text).slice(-4000);
    options.onLog?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('error', (error) => {
      spawnError = error;
      resolveExit(null);
    });
    child.once('exit', (code) => resolveExit(code));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  for (;;) {
    if (ended) {
      if (spawnError) throw new EmulatorError(`cannot run ${python}: ${spawnError.message}; install Python 3, then ${EMULATOR_INSTALL_HINT}`, { cause: spawnError });
      throw new EmulatorError(launcherFailure(recent, python));
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorError(`the emulator did not answer on ${endpoint} within ${options.startTimeoutMs ?? 30_000} ms: ${lastLine(recent)}`);
    }
    await sleep(100);
  }
  return { endpoint, port, pid: child.pid!, exited, stop };
}

/** The launcher's own message (it prints one line with the fix), else the last line of its output. */
function launcherFailure(output: string, python: string): string {
  const own = output.split('\n').find((line) => line.startsWith('bellflower emulator: '));
  if (own) return own.slice('bellflower emulator: '.length);
  if (/No module named ['"]?moto/.test(output)) return `moto is not installed for ${python}: ${EMULATOR_INSTALL_HINT}`;
  return `the emulator stopped at start-up: ${lastLine(output)} (${EMULATOR_INSTALL_HINT})`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/**
 * What AWS does that the emulator does not model, so that the rehearsal cannot prove it (the
 * README's "Rehearse the deployment without AWS" lists the same lines; the lifecycle test prints them).
 */
export const EMULATOR_KNOWN_GAPS: readonly string[] = [
  "IAM is enforced only for the S3 calls of role sessions (the functions' own calls, and sessions from sts:AssumeRole): moto evaluates other services' calls against the resource \"*\" and DeleteObjects as s3:DeleteObject on the bucket, its Step Functions engine signs with fixed keys no IAM user holds, custom-resource answers are unsigned, and the dummy keys of the commands are not checked; the IAM simulator tests prove the rest",
  "KMS is not enforced: objects, queues, the topic and the state machine's execution data are not really encrypted with the key (moto's CloudFormation model of the state machine drops its EncryptionConfiguration, so DescribeStateMachine shows none and GetExecutionHistory needs no key), and the key policy is not evaluated",
  'bucket, queue and topic policies (AWS::S3::BucketPolicy, AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy) and CloudWatch alarms are not created (moto has no CloudFormation model for them)',
  'S3 deliveries to the integration function are synchronous and never retried, the SQS event source mapping processes at most five batches at a time (no scaling) with no batching window, and IAM is consistent at once (a deleted role\'s sessions are refused immediately, where AWS may let them through for a while, so a batch writing after its role went is refused here); the DeadLetterConfig of a function is dropped (`bellflower load` finds no function dead-letter queue there)',
  'stack operations run inside the API call (CreateStack, ExecuteChangeSet and DeleteStack return once the stack has settled) and a failed rollback cannot be continued (no ContinueUpdateRollback)',
  "a timed-out wait ends the execution as States.Runtime, not States.Timeout: moto's Step Functions engine refuses a Fail state's error name beginning with States. even when it comes from ErrorPath (the wait itself fails with States.Timeout and the failure notification is sent)",
  'a nested stack update replaces the nested stack (moto deletes and re-creates it) instead of updating its resources in place',
  'the SNS e-mail subscription sends no e-mail; the notifications are visible in the execution history (npm run watch)',
  'Lambda runs the function with this machine\'s node, not the nodejs24.x runtime on arm64, with no memory limit, concurrency limit or X-Ray tracing',
  'no drift detection: moto has no DetectStackDrift, so `bellflower drift` fails there naming the endpoint',
];
