/**
 * The Step Functions callback API for local runs: a loopback HTTP server speaking the awsJson1_0
 * protocol of `AWSStepFunctions.SendTaskSuccess`, `SendTaskFailure` and `SendTaskHeartbeat`, so
 * that the real SDK in the integration handler (pointed here by `AWS_ENDPOINT_URL_SFN`) resumes
 * or fails the waiting task. Errors are those AWS returns: `InvalidToken` for a malformed token,
 * `TaskDoesNotExist` for one never issued, `TaskTimedOut` for one already answered or expired,
 * `InvalidOutput` for an output that is not JSON or is over 256 KiB.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { redactToken } from '../../../handlers/shared/task-token';
import { AwsServiceError, LIMIT_TEXT, payloadBytes, PAYLOAD_LIMIT_BYTES } from './limits';

/** How a waiting task ended. */
export type CallbackOutcome =
  | { readonly kind: 'success'; readonly output: unknown }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

/** What the server saw; for the timeline (tokens appear shortened only). */
export interface CallbackCall {
  readonly action: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat' | string;
  readonly tokenPreview: string;
  /** The whole token, to find the execution it belongs to; never printed (use {@link tokenPreview}). */
  readonly token?: string;
  /** Empty when accepted; otherwise the AWS error code answered. */
  readonly rejectedWith?: string;
  readonly at: number;
}

/** A running callback endpoint. */
export interface CallbackServer {
  /** e.g. `http://127.0.0.1:4569` */
  readonly endpoint: string;
  /** Issues a new task token (as opaque and long as AWS's). */
  issueToken(): string;
  /**
   * Waits for the answer to `token`; the promise settles once, with the first valid answer.
   * `onHeartbeat` is called for every accepted SendTaskHeartbeat of the token.
   */
  waitFor(token: string, options?: { readonly onHeartbeat?: () => void }): Promise<CallbackOutcome>;
  /** Closes a token (task timed out or execution ended): later answers get `TaskTimedOut`. */
  expire(token: string): void;
  /** Calls `listener` for every request. */
  onCall(listener: (call: CallbackCall) => void): () => void;
  /** Closes the server and its connections; every call returns the same promise. */
  stop(): Promise<void>;
}

/** First characters of a token followed by an ellipsis: tokens are never shown in full. */
export function tokenPreview(token: unknown): string {
  return typeof token === 'string' && token.length > 0 ? redactToken(token) : '(none)';
}

const TOKEN_PATTERN = /^AQ[A-Za-z0-9_-]{100,1022}$/;

/**
 * Closed tokens remembered to answer `TaskTimedOut`; older ones are forgotten (their answers get
 * `TaskDoesNotExist`, which callers treat alike), so that a long run's memory stays bounded.
 */
const MAX_CLOSED_TOKENS = 10_000;

interface Waiter {
  readonly promise: Promise<CallbackOutcome>;
  readonly resolve: (outcome: CallbackOutcome) => void;
  readonly onHeartbeat?: (() => void) | undefined;
  settled: boolean;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the endpoint on 127.0.0.1 with a free port. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const waiters = new Map<string, Waiter>();
  const closed = new Set<string>();
  const listeners = new Set<(call: CallbackCall) => void>();

  const open = (token: unknown): Waiter => {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new AwsServiceError('InvalidToken', 'Invalid Token');
    const waiter = waiters.get(token);
    if (waiter && !waiter.settled) return waiter;
    if (waiter || closed.has(token)) throw new AwsServiceError('TaskTimedOut', 'Task Timed Out');
    throw new AwsServiceError('TaskDoesNotExist', 'Task does not exist anymore');
  };

  const settle = (waiter: Waiter, outcome: CallbackOutcome): void => {
    waiter.settled = true;
    waiter.resolve(outcome);
  };

  const dispatch = (action: string, body: Record<string, unknown>): void => {
    switch (action) {
      case 'SendTaskSuccess': {
        const waiter = open(body.taskToken);
        let output: unknown;
        try {
          output = JSON.parse(String(body.output));
        } catch {
          throw new AwsServiceError('InvalidOutput', 'Invalid JSON output');
        }
        const bytes = payloadBytes(String(body.output));
        if (bytes > PAYLOAD_LIMIT_BYTES) {
          throw new AwsServiceError('InvalidOutput', `The output is ${bytes} bytes; the maximum is ${LIMIT_TEXT}`);
        }
        settle(waiter, { kind: 'success', output });
        return;
      }
      case 'SendTaskFailure': {
        const waiter = open(body.taskToken);
        settle(waiter, {
          kind: 'failure',
          error: typeof body.error === 'string' ? body.error : '',
          cause: typeof body.cause === 'string' ? body.cause : '',
        });
        return;
      }
      case 'SendTaskHeartbeat':
        open(body.taskToken).onHeartbeat?.();
        return;
      default:
        throw new AwsServiceError('UnknownOperationException', `Operation ${action} is not emulated locally`);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const at = Date.now();
    const target = String(request.headers['x-amz-target'] ?? '');
    const action = target.replace(/^AWSStepFunctions\./, '');
    let body: Record<string, unknown> = {};
    let rejectedWith: string | undefined;
    try {
      const text = await readBody(request);
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      dispatch(action, body);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{}');
    } catch (error: unknown) {
      const code = error instanceof AwsServiceError ? error.code : 'SerializationException';
      rejectedWith = code;
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code });
      response.end(JSON.stringify({ __type: code, message: error instanceof Error ? error.message : String(error) }));
    }
    const token = typeof body.taskToken === 'string' ? body.taskToken : undefined;
    const call: CallbackCall = { action, tokenPreview: tokenPreview(token), token, rejectedWith, at };
    for (const listener of listeners) listener(call);
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    issueToken: () => `AQ${randomBytes(240).toString('base64url')}`,
    waitFor(token, options = {}) {
      const existing = waiters.get(token);
      if (existing) return existing.promise;
      let resolve!: (outcome: CallbackOutcome) => void;
      const promise = new Promise<CallbackOutcome>((res) => (resolve = res));
      waiters.set(token, { promise, resolve, onHeartbeat: options.onHeartbeat, settled: false });
      return promise;
    },
    expire(token) {
      const waiter = waiters.get(token);
      if (waiter) waiter.settled = true;
      waiters.delete(token);
      closed.add(token);
      if (closed.size > MAX_CLOSED_TOKENS) closed.delete(closed.values().next().value!);
    },
    onCall(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
