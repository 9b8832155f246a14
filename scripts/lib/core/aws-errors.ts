/**
 * Why a call to AWS failed, told apart so that the message points the right way: the endpoint
 * cannot be reached (or is malformed), there are no credentials, or AWS refused them or the call.
 * No SDK import: errors are recognised by their names and codes, also inside a library error's
 * `cause`, so that `command.ts` can explain any failure.
 */
import { BellflowerError } from './errors';

/** The kinds of {@link AwsAccessError}. */
export type AwsAccessKind = 'endpoint' | 'connection' | 'credentials' | 'denied';

/** AWS could not be used at all; the message says why, then (after ": ") what to do ({@link hint}). */
export class AwsAccessError extends BellflowerError {
  override readonly name = 'AwsAccessError';
  constructor(
    readonly kind: AwsAccessKind,
    /** What went wrong. */
    readonly problem: string,
    /** What to do about it. */
    override readonly hint: string,
    options?: ErrorOptions,
  ) {
    super(`${problem}: ${hint}`, options);
  }
}

/** Network error codes that mean "nothing answered at that address". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Error names of refused credentials (invalid, expired, wrongly signed). */
const REFUSED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidToken',
]);

/** Error names of a refused call (the credentials are fine; the permission is missing). */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'Forbidden']);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function shape(value: unknown): ErrorShape | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorShape) : undefined;
}

/** The network error code of `error` (Node puts it on the error, on an AggregateError's members or on the cause). */
function networkCode(error: ErrorShape): string | undefined {
  if (typeof error.code === 'string' && CONNECTION_CODES.has(error.code)) return error.code;
  if (Array.isArray(error.errors)) {
    for (const member of error.errors) {
      const code = shape(member)?.code;
      if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    }
  }
  return undefined;
}

/** Context for the advice: where the command connects and with which profile. */
export interface AwsErrorContext {
  /** The endpoint, as shown in the command's first line. */
  readonly endpoint?: string;
  readonly profile?: string;
}

/**
 * Classifies one error (not its causes): {@link AwsAccessError} with the fix, or undefined when it
 * is none of the kinds (a validation error, a missing stack...).
 */
export function classifyAwsError(error: unknown, context: AwsErrorContext = {}): AwsAccessError | undefined {
  if (error instanceof AwsAccessError) return error;
  const e = shape(error);
  if (!e) return undefined;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').trim() : '';
  const code = networkCode(e);
  const where = context.endpoint ?? 'the AWS endpoint';
  if (code) {
    const custom = context.endpoint !== undefined && !context.endpoint.startsWith('AWS');
    return new AwsAccessError(
      'connection',
      `cannot reach ${where} (${code})`,
      custom ? 'is the emulator running at that address? Check AWS_ENDPOINT_URL' : 'check the network, a proxy (HTTPS_PROXY) and the region',
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/i.test(message)) {
    const profile = context.profile ? ` --profile ${context.profile}` : '';
    return new AwsAccessError(
      'credentials',
      `no AWS credentials${context.profile ? ` for profile "${context.profile}"` : ''} (${message || name})`,
      `run \`aws configure${profile}\` or \`aws sso login${profile}\`, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      { cause: error },
    );
  }
  if (REFUSED_CREDENTIALS.has(name)) {
    return new AwsAccessError(
      'denied',
      `AWS refused the credentials (${name}: ${message})`,
      'they are invalid or expired; renew them (`aws sso login`, new access keys) or pick another --profile',
      { cause: error },
    );
  }
  if (DENIED.has(name) || (e.$metadata?.httpStatusCode === 403 && name !== 'NotFound')) {
    return new AwsAccessError(
      'denied',
      `access denied (${name || 'HTTP 403'}: ${message})`,
      'the credentials are valid but lack this permission; grant it to that identity (docs/bootstrap.md, "Deployer policy") or use another --profile',
      { cause: error },
    );
  }
  return undefined;
}

/** The first error in `error`'s cause chain that {@link classifyAwsError} recognises. */
export function awsAccessCause(error: unknown, context: AwsErrorContext = {}): AwsAccessError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    const classified = classifyAwsError(current, context);
    if (classified) return classified;
    current = shape(current)?.cause;
  }
  return undefined;
}
