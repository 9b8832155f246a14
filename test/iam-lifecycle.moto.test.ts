/**
 * The stack lifecycle of the custom resources, run against moto with IAM enforcement on, each
 * custom resource with credentials that carry exactly its role's synthesized policies (the cross
 * stack's inline policy plus the s3 stack's `AWS::IAM::RolePolicy` of the bucket), attached and
 * detached in the order CloudFormation applies them: create, rename of the bucket (the new bucket's
 * grant is added before the update, the old one removed after the cleanup), and delete of a bucket
 * holding more than 1,000 object versions. Also the integration handler's S3 calls under its own
 * role's policy. Every AWS call made must have an entry in the IAM contract.
 *
 * Moto checks identity policies only (no bucket or key policy, no KMS use): the IAM simulator test
 * covers those. Where moto authorizes a call differently from S3, a shim policy says so.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCallOf } from '../handlers/shared/aws-calls';
import { cfnEvent } from '../handlers/shared/cfn-events';
import { customResourceS3Client } from '../handlers/shared/custom-resource-clients';
import { AccessDeniedError } from '../handlers/shared/iam-propagation';
import { RecordingLogger } from './support/recording-logger';
import { foldersResource, type FoldersDeps } from '../handlers/s3-folders/folders-resource';
import { notificationResource } from '../handlers/s3-notification/notification-resource';
import { handleS3Event, handleSqsEvent } from '../handlers/integration/integrate';
import type { CustomResourceContinued, CustomResourceResult } from '../handlers/shared/custom-resource';
import type { PolicyDocument, PrincipalName } from '../templates/iam-contract';
import { callsOutsideContract } from './support/contract-calls';
import { evaluateDeployment, SAMPLE } from './support/deployment';
import { deploymentPolicies } from './support/iam-policies';
import { startMoto, type MotoServer } from './support/moto';
import { enforceIam, MOTO_ACCOUNT, type MotoIam, type MotoPrincipal } from './support/moto-iam';
import { requireTool } from './support/tools';

const UUID = '3f2b8c1d-4e5a-4b6c-8d7e-9f0a1b2c3d4e';
/** Object versions the old bucket holds when it is emptied: more than one ListObjectVersions page. */
const VERSIONS = 1_100;

/** The synthesized policies of a deployment whose integration bucket has base name `bucketBase`. */
function policiesFor(bucketBase: string, kmsKeyId: string) {
  return deploymentPolicies(
    evaluateDeployment({
      ...SAMPLE,
      region: 'us-east-1',
      accountId: MOTO_ACCOUNT,
      kmsKeyId,
      parameters: { S3IntegrationBucketName: bucketBase },
    }),
  );
}

/**
 * Moto authorizes DeleteObjects as `s3:DeleteObject` on the bucket ARN; S3 authorizes each key of
 * the batch as `s3:DeleteObjectVersion` (with a version id) on the object ARN, which the simulator
 * proves. In AWS this statement grants nothing (DeleteObject applies to objects, not buckets).
 */
const motoDeleteObjectsShim = (bucketArn: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: [bucketArn] }],
});

const FAST_RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe.runIf(requireTool('moto_server'))('custom resources and the integration handler under their own policies (moto, IAM enforced)', () => {
  let moto: MotoServer;
  let iam: MotoIam;
  let admin: S3Client;
  let kmsKeyId: string;
  let a: ReturnType<typeof policiesFor>;
  let b: ReturnType<typeof policiesFor>;
  const bucketName = (policies: ReturnType<typeof policiesFor>) => policies.targets.bucketArn.replace(/^arn:aws:s3:::/, '');

  /** The policies of one principal, by name, as CloudFormation attaches them. */
  const policiesOf = (policies: ReturnType<typeof policiesFor>, principal: PrincipalName) => policies.identityPolicies[principal];
  const bucketGrant = (policies: ReturnType<typeof policiesFor>, principal: PrincipalName) => {
    const grant = policiesOf(policies, principal).find((p) => p.name.startsWith(bucketName(policies)));
    if (!grant) throw new Error(`no bucket grant for ${principal} on ${bucketName(policies)}`);
    return grant;
  };
  const roleInlinePolicies = (policies: ReturnType<typeof policiesFor>, principal: PrincipalName) =>
    policiesOf(policies, principal).filter((p) => !p.name.startsWith(bucketName(policies)));

  async function createBucket(name: string): Promise<void> {
    await admin.send(new CreateBucketCommand({ Bucket: name }));
    await admin.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    await admin.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: a.targets.keyArn }, BucketKeyEnabled: true }],
        },
      }),
    );
  }

  async function versionsIn(bucket: string): Promise<number> {
    let count = 0;
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      count += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
      if (!page.IsTruncated) return count;
      ({ NextKeyMarker: keyMarker, NextVersionIdMarker: versionIdMarker } = page);
    }
  }

  /**
   * Puts `count` versions (two per key) into a bucket, 25 requests at a time. The keys have no "/":
   * moto's signature check under IAM enforcement rejects a ListObjectVersions whose key-marker holds
   * an encoded "/", which S3 accepts.
   */
  async function fill(bucket: string, count: number): Promise<void> {
    const puts = Array.from({ length: count }, (_, i) => () =>
      admin.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound-${String(i >> 1).padStart(5, '0')}.json`, Body: `{"v":${i}}` })),
    );
    for (let i = 0; i < puts.length; i += 25) await Promise.all(puts.slice(i, i + 25).map((put) => put()));
  }

  beforeAll(async () => {
    moto = await startMoto();
    iam = await enforceIam(moto);
    admin = new S3Client(iam.admin);
    kmsKeyId = (await new KMSClient(iam.admin).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    a = policiesFor('lifecycle-a', kmsKeyId);
    b = policiesFor('lifecycle-b', kmsKeyId);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  function foldersDeps(principal: MotoPrincipal, logger: RecordingLogger): FoldersDeps {
    return {
      s3: customResourceS3Client(logger, principal.clientConfig, FAST_RETRY),
      logger,
      remainingMs: () => 600_000,
      continueLater: async () => {
        throw new Error('no continuation expected: the bucket is emptied within one invocation here');
      },
      accessRetry: FAST_RETRY,
    };
  }

  /** The physical ID the core answered (it did not hand over to a new invocation). */
  const physicalIdOf = (result: CustomResourceResult | CustomResourceContinued): string => {
    if (!('physicalResourceId' in result)) throw new Error(`expected an answer, the core continued as invocation ${result.continuedAs}`);
    return result.physicalResourceId;
  };

  const calls = (logger: RecordingLogger) => logger.lines.flatMap((line) => awsCallOf(line) ?? []);

  it('creates the folders, follows a bucket rename and empties the old bucket of more than 1,000 versions, then the new one on delete', async () => {
    const [bucketA, bucketB] = [bucketName(a), bucketName(b)];
    await createBucket(bucketA);
    // The cross stack's role with its inline policy, then the s3 stack's grant on its bucket.
    const folders = await iam.principal('folders-custom-resource', [
      ...roleInlinePolicies(a, 'folders'),
      bucketGrant(a, 'folders'),
      { name: 'moto-delete-objects-shim-a', policy: motoDeleteObjectsShim(a.targets.bucketArn) },
    ]);
    const logger = new RecordingLogger();
    const deps = foldersDeps(folders, logger);
    const properties = (bucket: string) => ({ bucket_name: bucket, folders_to_create: ['inbound', 'outbound'] });

    const created = physicalIdOf(await foldersResource(cfnEvent('Create', properties(bucketA)), deps));
    expect(created).toBe(`${bucketA}-folders`);
    expect(await versionsIn(bucketA)).toBe(2);
    await fill(bucketA, VERSIONS);

    // Rename: the s3 stack creates bucket B and the grant on it (a new policy next to the old one).
    await createBucket(bucketB);
    await folders.attach(bucketGrant(b, 'folders').name, bucketGrant(b, 'folders').policy);
    await folders.attach('moto-delete-objects-shim-b', motoDeleteObjectsShim(b.targets.bucketArn));
    const updated = physicalIdOf(
      await foldersResource(cfnEvent('Update', properties(bucketB), { physicalId: created, oldProperties: properties(bucketA) }), deps),
    );
    // A new physical ID: CloudFormation deletes the old resource (old properties) in the cleanup phase.
    expect(updated).toBe(`${bucketB}-folders`);
    expect(await versionsIn(bucketB)).toBe(2);
    await foldersResource(cfnEvent('Delete', properties(bucketA), { physicalId: created }), deps);
    expect(await versionsIn(bucketA)).toBe(0);
    // Only then does the cleanup delete the old grant.
    await folders.detach(bucketGrant(a, 'folders').name);

    await fill(bucketB, 10);
    await foldersResource(cfnEvent('Delete', properties(bucketB), { physicalId: updated }), deps);
    expect(await versionsIn(bucketB)).toBe(0);

    expect(calls(logger)).toEqual(expect.arrayContaining(['S3.PutObject', 'S3.ListObjectVersions', 'S3.DeleteObjects']));
    expect(callsOutsideContract('folders', calls(logger))).toEqual([]);
  });

  it('rejects emptying a bucket the role holds no grant on (what a grant in the cross stack, updated first, caused on rename)', async () => {
    const bucket = 'lifecycle-ungranted-devl-us-east-1';
    await createBucket(bucket);
    await fill(bucket, 2);
    const folders = await iam.principal('folders-without-grant', [...roleInlinePolicies(b, 'folders'), bucketGrant(b, 'folders')]);
    const logger = new RecordingLogger();
    await expect(
      foldersResource(cfnEvent('Delete', { bucket_name: bucket, folders_to_create: ['inbound'] }, { physicalId: `${bucket}-folders` }), foldersDeps(folders, logger)),
    ).rejects.toThrow(AccessDeniedError);
    expect(await versionsIn(bucket)).toBe(2);
  });

  it('moves the bucket notification on rename and removes it on delete', async () => {
    const [bucketA, bucketB] = ['lifecycle-n-a', 'lifecycle-n-b'].map((base) => bucketName(policiesFor(base, kmsKeyId)));
    const [na, nb] = ['lifecycle-n-a', 'lifecycle-n-b'].map((base) => policiesFor(base, kmsKeyId));
    await createBucket(bucketA!);
    await createBucket(bucketB!);
    const notification = await iam.principal('notification-custom-resource', [...roleInlinePolicies(na!, 'notification'), bucketGrant(na!, 'notification')]);
    const logger = new RecordingLogger();
    const deps = { s3: customResourceS3Client(logger, notification.clientConfig, FAST_RETRY), logger };
    const properties = (bucket: string) => ({
      LambdaArn: na!.targets.integrationFunctionArn,
      Bucket: bucket,
      NotificationEventName: 's3:ObjectCreated:*',
      Prefix: 'inbound',
      Suffix: '.json',
    });
    const lambdaConfigurations = async (bucket: string) =>
      (await admin.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).LambdaFunctionConfigurations ?? [];
    const event = (type: 'Create' | 'Update' | 'Delete', bucket: string, old?: string): CloudFormationCustomResourceEvent =>
      cfnEvent(type, properties(bucket), { logicalId: 'BellflowerLambdaTrigger', physicalId: 'trigger', ...(old ? { oldProperties: properties(old) } : {}) });

    await notificationResource(event('Create', bucketA!), deps);
    expect(await lambdaConfigurations(bucketA!)).toHaveLength(1);

    await notification.attach(bucketGrant(nb!, 'notification').name, bucketGrant(nb!, 'notification').policy);
    await notificationResource(event('Update', bucketB!, bucketA), deps);
    expect(await lambdaConfigurations(bucketA!)).toHaveLength(0);
    expect(await lambdaConfigurations(bucketB!)).toEqual([
      expect.objectContaining({ LambdaFunctionArn: na!.targets.integrationFunctionArn, Events: ['s3:ObjectCreated:*'] }),
    ]);
    await notification.detach(bucketGrant(na!, 'notification').name);

    await notificationResource(event('Delete', bucketB!), deps);
    expect(await lambdaConfigurations(bucketB!)).toHaveLength(0);
    expect(callsOutsideContract('notification', calls(logger))).toEqual([]);
  });

  it('lets the integration handler write the outbound files and read an answer under its own policy, and nothing it does not need', async () => {
    const bucket = bucketName(a);
    const integration = await iam.principal('integration-function', policiesOf(a, 'integration'));
    const logger = new RecordingLogger();
    const recorded: string[] = [];
    const s3 = new S3Client({ ...integration.clientConfig });
    s3.middlewareStack.add((next, context) => async (args) => {
      recorded.push(`S3.${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    }, { step: 'initialize', name: 'recordForTest' });
    const answered: string[] = [];
    // Moto authorizes Step Functions calls against "*", which neither the Service Authorization
    // Reference nor Step Functions does; the simulator proves the SendTask* grants instead.
    const sfn = { send: async (command: { constructor: { name: string } }) => {
      answered.push(`SFN.${command.constructor.name.replace(/Command$/, '')}`);
      return {};
    } } as never;
    const deps = { s3, sfn, bucket, logger };
    const message = { Input: { execution_id: UUID, info: ['abcde'] }, TaskToken: 'token-of-the-execution' };
    const sqsEvent = {
      Records: [{ messageId: 'm1', body: JSON.stringify(message), eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } }],
    } as never;
    expect(await handleSqsEvent(sqsEvent, deps)).toEqual({ batchItemFailures: [] });
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `inbound/${UUID}/success.json`, Body: '{"approved":true}' }));
    const s3Event = {
      Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: bucket }, object: { key: `inbound/${UUID}/success.json`, size: 17 } } }],
    } as never;
    await handleS3Event(s3Event, deps);
    expect(answered).toEqual(['SFN.SendTaskSuccess']);
    expect(logger.at('ERROR')).toEqual([]);
    expect(callsOutsideContract('integration', [...recorded, ...answered])).toEqual([]);

    // What it does not need, it cannot do: write an answer, or touch another prefix.
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `inbound/${UUID}/success.json`, Body: '{}' }))).rejects.toThrow(/Access Denied/);
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/file.json', Body: '{}' }))).rejects.toThrow(/Access Denied/);
  });
});
