/**
 * The artifact bucket: whose it is and where (checked before anything is written), and, when
 * publish may create it, created locked down (versioned, encrypted, TLS only, no public access).
 */
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { messageOf } from '../core/errors';
import { type Reporter } from '../core/reporter';
import { PublishError } from './manifest';

/** Account id of the caller (STS). */
export async function callerAccount(sts: STSClient): Promise<string> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('GetCallerIdentity returned no account');
    return identity.Account;
  } catch (error) {
    throw new PublishError(`no usable AWS credentials: ${messageOf(error)}`, { cause: error });
  }
}

/** Where the artifact bucket is to be checked: its name, the stack's region and the caller's account. */
export interface ArtifactBucketTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly account: string;
}

/**
 * Checks the artifact bucket without changing anything (HeadBucket, GetBucketLocation): true when
 * it exists in `region` and belongs to `account`, false when no bucket of that name exists (S3
 * answers 404 only then; another account's bucket answers 403), so publish can create it. Throws
 * {@link PublishError} for a bucket of another account or region, or when S3 cannot be asked.
 */
export async function checkArtifactBucket(target: ArtifactBucketTarget): Promise<boolean> {
  const { s3, bucket, region, account } = target;
  let bucketRegion: string | undefined;
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    bucketRegion = head.BucketRegion;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return false;
    if (status === 403) {
      throw new PublishError(
        `artifact bucket ${bucket} exists but is not owned by account ${account} (or access is denied): choose another "artifactBucket"`,
        { cause: error },
      );
    }
    if (status === 301) {
      const other = headerOf(error, 'x-amz-bucket-region') ?? 'another region';
      throw new PublishError(`artifact bucket ${bucket} is in ${other}, not ${region}: use a bucket in ${region}`, { cause: error });
    }
    throw new PublishError(`cannot check artifact bucket ${bucket}: ${messageOf(error)}`, { cause: error });
  }
  bucketRegion ??= await locationOf(s3, bucket, account);
  if (bucketRegion !== region) {
    throw new PublishError(
      `artifact bucket ${bucket} is in ${bucketRegion}, not ${region}: CloudFormation needs templates in the stack's region; use another "artifactBucket"`,
    );
  }
  return true;
}

/**
 * Makes sure the artifact bucket exists in `region` and belongs to `account` ({@link checkArtifactBucket});
 * creates it when missing. Returns true when it was created.
 */
export async function ensureArtifactBucket(
  options: ArtifactBucketTarget & { readonly tlsOnlyPolicy?: boolean; readonly reporter?: Reporter },
): Promise<boolean> {
  if (await checkArtifactBucket(options)) return false;
  const { s3, bucket, region, account } = options;
  const tlsOnly = options.tlsOnlyPolicy ?? true;
  await createArtifactBucket(s3, bucket, region, account, tlsOnly);
  options.reporter?.info(
    `created artifact bucket s3://${bucket} (${region}): private, encrypted, versioned${tlsOnly ? ', TLS only' : ' (no TLS-only policy: plain http endpoint)'}`,
  );
  return true;
}

async function locationOf(s3: S3Client, bucket: string, account: string): Promise<string> {
  const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
  const constraint: BucketLocationConstraint | undefined = location.LocationConstraint;
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

async function createArtifactBucket(
  s3: S3Client,
  bucket: string,
  region: string,
  account: string,
  tlsOnly: boolean,
): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ObjectOwnership: 'BucketOwnerEnforced',
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'BucketAlreadyExists') {
      throw new PublishError(`artifact bucket name ${bucket} is taken by another account: choose another "artifactBucket"`, {
        cause: error,
      });
    }
    if (name !== 'BucketAlreadyOwnedByYou') {
      throw new PublishError(`cannot create artifact bucket ${bucket}: ${messageOf(error)}`, { cause: error });
    }
  }
  const owner = { Bucket: bucket, ExpectedBucketOwner: account };
  await s3.send(
    new PutPublicAccessBlockCommand({
      ...owner,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      ...owner,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ ...owner, VersioningConfiguration: { Status: 'Enabled' } }));
  if (tlsOnly) await s3.send(new PutBucketPolicyCommand({ ...owner, Policy: JSON.stringify(tlsOnlyPolicy(bucket)) }));
}

/** Bucket policy denying every request not made over TLS. */
export function tlsOnlyPolicy(bucket: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** HTTP status of an SDK error, if any. */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function headerOf(error: unknown, name: string): string | undefined {
  return (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers?.[name];
}
