/**
 * The Lambda service of the local AWS: the workflow's two functions, each with its own environment
 * (what the template and the Lambda runtime set for it), its own warm runtime, and its reserved
 * concurrency. The engine's `process.env` is never changed: a function's environment reaches its
 * code as the `process.env` of its worker thread (bundles, worker-runtime.ts), or, for in-process
 * handlers (stand-ins), through {@link loadingEnvironment} while the engine loads them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pLimit from 'p-limit';
import { inProcessRuntime, LambdaInvocationError, type LambdaHandler, type LambdaRuntime, type LocalFunction, type WorkflowHandlers } from './lambda';
import { errorFromPayload } from '../../../emulator/lambda-runtime.mjs';

/** The workflow's functions. */
export type FunctionKey = keyof WorkflowHandlers;
export const FUNCTION_KEYS: readonly FunctionKey[] = ['processing', 'integration'];

/** A function's whole environment, as its `process.env` holds it. */
export type FunctionEnvironment = Readonly<Record<string, string>>;

/** One function as the service runs it. */
export interface FunctionSetup {
  readonly fn: LocalFunction;
  readonly env: FunctionEnvironment;
}

/** What the local AWS around the functions provides, as their environment names it. */
export interface EnvironmentSettings {
  readonly region: string;
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly sfnEndpoint: string;
  readonly stateMachineArn: string;
  readonly simulatedWorkMs: number;
  readonly logLevel: string;
  /** Static credentials the local endpoints accept. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Variables of the engine's environment a function does not inherit (they would point it elsewhere). */
const NOT_INHERITED = ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL'];

/** A function's environment: the engine's, without {@link NOT_INHERITED}, with the local settings. */
export function functionEnvironment(settings: EnvironmentSettings, base: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  const inherited = Object.entries(base).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !NOT_INHERITED.includes(entry[0]),
  );
  return {
    ...Object.fromEntries(inherited),
    AWS_REGION: settings.region,
    AWS_DEFAULT_REGION: settings.region,
    AWS_ACCESS_KEY_ID: settings.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: settings.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: settings.s3Endpoint,
    AWS_ENDPOINT_URL_SFN: settings.sfnEndpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    S3_BUCKET_NAME: settings.bucket,
    STATE_MACHINE: settings.stateMachineArn,
    SIMULATED_WORK_MS: String(settings.simulatedWorkMs),
    POWERTOOLS_SERVICE_NAME: 'bellflower-local',
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
    // Each bundle carries its own SDK copy; the engine's client has already shown this warning once.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** The engine's `loadHandlers` call under way: the functions' setups, the runtimes started for them. */
interface LoadScope {
  readonly setups: Readonly<Record<FunctionKey, FunctionSetup>>;
  readonly runtimes: Map<LambdaHandler, LambdaRuntime>;
}

const loading = new AsyncLocalStorage<LoadScope>();

/** While the engine loads the handlers: the environment of function `key`; otherwise undefined. */
export function loadingEnvironment(key: FunctionKey): FunctionEnvironment | undefined {
  return loading.getStore()?.setups[key].env;
}

/**
 * While the engine loads the handlers: starts function `key`'s runtime with its setup and returns
 * a handler invoking it (the engine invokes the runtime itself; a wrapper may call the handler).
 * Outside a load, undefined.
 */
export async function startFunctionRuntime(
  key: string,
  start: (setup: FunctionSetup) => Promise<LambdaRuntime>,
): Promise<LambdaHandler | undefined> {
  const scope = loading.getStore();
  const setup = scope?.setups[key as FunctionKey];
  if (!scope || !setup) return undefined;
  const runtime = await start(setup);
  const handler: LambdaHandler = async (event) => {
    try {
      return await runtime.invoke(event);
    } catch (error: unknown) {
      throw error instanceof LambdaInvocationError ? errorFromPayload(error.payload) : error;
    }
  };
  scope.runtimes.set(handler, runtime);
  return handler;
}

/** The started functions. */
export interface LambdaService {
  /** Invokes function `key` once a slot of its reserved concurrency is free. */
  invoke(key: FunctionKey, event: unknown): Promise<unknown>;
  /** Ends every runtime; every call returns the same promise. */
  stop(): Promise<void>;
}

/** Loads the handlers with each function's setup at hand and starts the service. */
export async function startLambdaService(options: {
  readonly setups: Readonly<Record<FunctionKey, FunctionSetup>>;
  readonly loadHandlers: () => Promise<WorkflowHandlers>;
  readonly concurrency: number;
}): Promise<LambdaService> {
  const scope: LoadScope = { setups: options.setups, runtimes: new Map() };
  const stopAll = async (): Promise<void> => {
    await Promise.all([...scope.runtimes.values()].map((runtime) => runtime.stop()));
  };
  let handlers: WorkflowHandlers;
  try {
    handlers = await loading.run(scope, () => options.loadHandlers());
  } catch (error: unknown) {
    await stopAll();
    throw error;
  }
  const runtimes = Object.fromEntries(
    FUNCTION_KEYS.map((key) => [key, scope.runtimes.get(handlers[key]) ?? inProcessRuntime(options.setups[key].fn, handlers[key])]),
  ) as Record<FunctionKey, LambdaRuntime>;
  const slots = Object.fromEntries(FUNCTION_KEYS.map((key) => [key, pLimit(options.concurrency)])) as Record<FunctionKey, ReturnType<typeof pLimit>>;
  let stopped: Promise<void> | undefined;
  return {
    invoke: (key, event) => slots[key](() => runtimes[key].invoke(event)),
    stop: () => (stopped ??= stopAll()),
  };
}
