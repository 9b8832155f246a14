/**
 * AWS SDK v3 clients for every command that talks to AWS (publish, deploy, diff, destroy,
 * start-execution, respond, watch), created once per command and injected into the library
 * functions. Credentials, profile and endpoints follow the SDK's own resolution:
 * `AWS_PROFILE`, `AWS_ACCESS_KEY_ID`..., `AWS_ENDPOINT_URL` and the per-service variants
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_CLOUDFORMATION`, ...), so that the same commands work
 * against AWS, LocalStack or moto.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/** The clients the commands use. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly cloudFormation: CloudFormationClient;
  readonly sts: STSClient;
  readonly kms: KMSClient;
  readonly sfn: SFNClient;
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
    region: options.region,
  };
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
