/**
 * A record of the AWS calls a function makes: one DEBUG log line per command sent,
 * `{ "aws_call": "S3.PutObject" }`, so that a reader of the logs, and tests, can hold the calls
 * made against the IAM actions the function's role grants.
 *
 * Only the service and operation are logged, never the parameters or the answer: they carry task
 * tokens, pre-signed response URLs and object keys.
 */
import type { HandlerExecutionContext, MiddlewareStack } from '@smithy/types';
import type { Logger } from './logger';

/** The log attribute that names the call. */
export const AWS_CALL_KEY = 'aws_call';

/** Name of the middleware {@link recordAwsCalls} adds. */
export const AWS_CALL_MIDDLEWARE = 'bellflowerAwsCallLogger';

/** The part of an SDK v3 client that middleware needs (every `@aws-sdk/client-*` client has it). */
export interface MiddlewareClient {
  // The stack's input and output types differ per client; the middleware here reads neither.
  readonly middlewareStack: MiddlewareStack<any, any>;
  readonly config: { readonly serviceId?: string };
}

/**
 * `<Service>.<Operation>` of a command, e.g. `S3.ListObjectVersions`, `Lambda.Invoke`: the service
 * from the client's `serviceId`, else its class name; the operation from the command's name.
 */
export function awsCallName(client: MiddlewareClient, context: HandlerExecutionContext): string {
  const service = client.config.serviceId ?? String(context.clientName ?? 'Unknown').replace(/Client$/, '');
  const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
  return `${service}.${operation}`;
}

/**
 * Logs one DEBUG line per command the client sends (once per command, not per retry attempt).
 * Adding it twice to a client replaces the first. Returns the client.
 */
export function recordAwsCalls<C extends MiddlewareClient>(client: C, logger: Logger): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      logger.debug('aws call', { [AWS_CALL_KEY]: awsCallName(client, context) });
      return next(args);
    },
    { step: 'initialize', name: AWS_CALL_MIDDLEWARE, override: true },
  );
  return client;
}

/**
 * The call a log line records (`S3.PutObject`), or `undefined` for any other line. Takes a line of
 * a function's output (JSON, possibly after a prefix such as the Lambda runtime's) or a parsed log
 * item.
 */
export function awsCallOf(line: unknown): string | undefined {
  let item = line;
  if (typeof line === 'string') {
    const start = line.indexOf('{');
    if (start < 0) return undefined;
    try {
      item = JSON.parse(line.slice(start));
    } catch {
      // Not a JSON log line (a runtime's START/END line, a stack trace): it records no call.
      return undefined;
    }
  }
  if (typeof item !== 'object' || item === null) return undefined;
  const call = (item as Record<string, unknown>)[AWS_CALL_KEY];
  return typeof call === 'string' ? call : undefined;
}

/** Every call recorded in a function's output (one log line per line of text), in order. */
export function awsCallsIn(output: string): string[] {
  return output.split(/\r?\n/).flatMap((line) => awsCallOf(line) ?? []);
}
