/**
 * AWS SDK v3 clients for every command that talks to AWS (publish, deploy, diff, destroy,
 * start-execution, respond, watch), created once per command and injected into the library
 * functions. Credentials, profile and endpoints follow the SDK's own resolution:
 * `AWS_PROFILE`, `AWS_ACCESS_KEY_ID`..., `AWS_ENDPOINT_URL` and the per-service variants
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CLOUDFORMATION`, ...), so that the same commands work
 * against AWS, LocalStack or moto.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { AwsAccessError, classifyAwsError } from './aws-errors';

/** The clients the commands use. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly cloudFormation: CloudFormationClient;
  readonly sts: STSClient;
  readonly kms: KMSClient;
  readonly sfn: SFNClient;
  readonly logs: CloudWatchLogsClient;
  /** Destroy disables the event source mapping with it. */
  readonly lambda: LambdaClient;
  /** Destroy reads the messages in flight of the mapping's queue with it. */
  readonly sqs: SQSClient;
  /** Region every client was created for. */
  readonly region: string;
}

/** How to build {@link AwsClients}. */
export interface AwsClientOptions {
  readonly region: string;
  /** Named profile (`--profile`); otherwise the default chain, which honours `AWS_PROFILE`. */
  readonly profile?: string;
  /** Explicit endpoint for every client (tests); otherwise `AWS_ENDPOINT_URL*` as read by the SDK. */
  readonly endpoint?: string;
  /** Explicit credentials (tests, an assumed role); otherwise the default chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * True when S3 is reached through a custom endpoint (explicit, `AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL`): emulators such as moto and LocalStack need path-style addressing.
 */
export function usesCustomS3Endpoint(options: Pick<AwsClientOptions, 'endpoint'>, env = process.env): boolean {
  return Boolean(customS3Endpoint(options, env));
}

/** True when S3 is reached through a custom endpoint over plain http (a local emulator). */
export function usesPlainHttpEndpoint(options: Pick<AwsClientOptions, 'endpoint'>, env = process.env): boolean {
  return customS3Endpoint(options, env)?.startsWith('http:') ?? false;
}

/** The S3 endpoint the SDK will use when it is not AWS's own: explicit, then the standard variables. */
function customS3Endpoint(options: Pick<AwsClientOptions, 'endpoint'>, env: NodeJS.ProcessEnv): string | undefined {
  return options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
}

/** Creates the clients; no request is sent. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const common = {
    region: options.region,
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    // The SDK's standard retry mode with a few more attempts: CloudFormation throttles DescribeStackEvents.
    maxAttempts: 5,
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: usesCustomS3Endpoint(options) }),
    cloudFormation: new CloudFormationClient(common),
    sts: new STSClient(common),
    kms: new KMSClient(common),
    sfn: new SFNClient(common),
    logs: new CloudWatchLogsClient(common),
    lambda: new LambdaClient(common),
    sqs: new SQSClient(common),
    region: options.region,
  };
}

/**
 * The endpoint variables the SDK reads for the commands' clients (`AWS_ENDPOINT_URL` and the
 * per-service ones, upper-cased service ids).
 */
export const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_CLOUDFORMATION',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_SFN',
  'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_SQS',
] as const;

/**
 * Throws {@link AwsAccessError} (`endpoint`) when `value` is not an http(s) URL: the SDK would
 * fail later with a bare "Invalid URL", or treat `localhost:4566` as a scheme.
 */
export function checkEndpoint(name: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    const bare = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value.replace(/^[^:]+:\/\//, '') : value;
    throw new AwsAccessError(
      'endpoint',
      `${name} "${value}" is not an http(s) URL`,
      `write the scheme, e.g. http://${bare} for a local emulator or https://${bare}`,
    );
  }
}

/** Checks every endpoint variable that is set ({@link checkEndpoint}). */
export function checkEndpointVariables(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ENDPOINT_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') checkEndpoint(name, value);
  }
}

/**
 * The `region` of every profile in the shared config files (`~/.aws/config`, or
 * `AWS_CONFIG_FILE`), read with the SDK's own loader, as the AWS CLI reads them.
 */
export async function sharedConfigRegions(): Promise<Readonly<Record<string, string>>> {
  const { configFile } = await loadSharedConfigFiles({ ignoreCache: true });
  const regions: Record<string, string> = {};
  for (const [profile, values] of Object.entries(configFile)) {
    if (typeof values.region === 'string' && values.region !== '') regions[profile] = values.region;
  }
  return regions;
}

/** Who and where a command is about to talk to. */
export interface AwsTarget {
  readonly account: string;
  /** The caller's ARN (user, role session). */
  readonly arn: string;
  readonly region: string;
  /** The endpoint CloudFormation, STS... are reached at, and where that came from. */
  readonly endpoint: string;
}

/**
 * The endpoint a command talks to, for the line it prints: the explicit one, the standard
 * variables (CloudFormation's, then the general one), else AWS's own endpoint for the region.
 */
export function endpointDescription(region: string, options: Pick<AwsClientOptions, 'endpoint'> = {}, env: NodeJS.ProcessEnv = process.env): string {
  if (options.endpoint !== undefined) return options.endpoint;
  const variable = ['AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  const s3 = env.AWS_ENDPOINT_URL_S3;
  const main = variable ? `${env[variable]} (${variable})` : `AWS (https://cloudformation.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'})`;
  return s3 && s3 !== env[variable ?? ''] ? `${main}, S3 ${s3} (AWS_ENDPOINT_URL_S3)` : main;
}

/**
 * Asks STS who the credentials belong to (GetCallerIdentity needs no permission). A failure is
 * told apart ({@link classifyAwsError}): unreachable endpoint, no credentials, refused credentials.
 */
export async function awsTarget(
  clients: Pick<AwsClients, 'sts' | 'region'>,
  context: { readonly endpoint: string; readonly profile?: string },
): Promise<AwsTarget> {
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { account: identity.Account ?? 'unknown', arn: identity.Arn ?? 'unknown', region: clients.region, endpoint: context.endpoint };
  } catch (error) {
    throw classifyAwsError(error, context) ?? error;
  }
}

/** The one line a command prints before it reads or changes anything in AWS. */
export function targetLine(target: AwsTarget, regionSource?: string): string {
  return `AWS account ${target.account} (${target.arn}), region ${target.region}${regionSource ? ` (${regionSource})` : ''}, endpoint ${target.endpoint}`;
}

/** Which role to act as (`respond --role-arn`): the business application's view of the bucket. */
export interface AssumedRole {
  readonly roleArn: string;
  readonly externalId?: string;
}

/**
 * Client options whose credentials are a session of `role`, obtained with the caller's own
 * credentials (profile, environment, or `options.credentials`) through STS AssumeRole and renewed
 * as they expire.
 */
export function assumeRoleOptions(options: AwsClientOptions, role: AssumedRole): AwsClientOptions {
  const credentials = fromTemporaryCredentials({
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: 'bellflower-respond',
      ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
    },
    clientConfig: {
      region: options.region,
      ...(options.profile !== undefined ? { profile: options.profile } : {}),
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    },
    ...(options.credentials !== undefined ? { masterCredentials: options.credentials } : {}),
  });
  const { profile: _profile, ...rest } = options;
  return { ...rest, credentials };
}
