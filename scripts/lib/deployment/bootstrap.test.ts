/**
 * What moto cannot show, with aws-sdk-client-mock: a bucket name another account owns (moto ignores
 * ExpectedBucketOwner) and the key of a deleted bootstrap stack pending deletion (moto deletes it at
 * once). And the local configuration file bootstrap writes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { DeleteObjectsCommand, HeadBucketCommand, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../core/aws';
import { bootstrapStackName, planBootstrap, recordConfig } from './bootstrap';
import { destroy } from './destroy';
import { DEVL_CONFIG } from '../../../test/support/config';
import { recordingReporter } from '../../../test/support/reporter';

const ACCOUNT = '111122223333';
const config = DEVL_CONFIG;
const dir = mkdtempSync(join(tmpdir(), 'bellflower-bootstrap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfn = mockClient(CloudFormationClient);
const kms = mockClient(KMSClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
// mockClient(<class>) stubs every client of that class in the worker; other test files share it.
afterAll(() => {
  for (const mock of [cfn, kms, s3, sts]) mock.restore();
});
const clients = createAwsClients({ region: config.region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const notFound = (message: string) => new NotFoundException({ message, $metadata: {} });
const noStack = (name: string) => Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
beforeEach(() => {
  for (const mock of [cfn, kms, s3, sts]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
});

describe('planBootstrap (aws-sdk-client-mock)', () => {
  it('rejects a bucket name another account owns, naming the flag that chooses another', async () => {
    cfn.on(DescribeStacksCommand).rejects(noStack(bootstrapStackName('devl')));
    kms.on(DescribeKeyCommand).rejects(notFound('Alias alias/bellflower-devl is not found.'));
    s3.on(HeadBucketCommand).rejects(new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    await expect(planBootstrap({ config, clients, account: ACCOUNT, bucket: 'someone-elses' })).rejects.toThrow(
      'bucket name someone-elses is taken by another account (or access to it is denied): pass --bucket <another name>',
    );
    expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'someone-elses', ExpectedBucketOwner: ACCOUNT });
  });
});

describe('destroy --bootstrap (aws-sdk-client-mock)', () => {
  it('empties the bootstrap bucket, deletes the stack and says until when the key is pending deletion', async () => {
    const stackName = bootstrapStackName('devl');
    const stackId = `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/${stackName}/1`;
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const bucket = `bellflower-artifacts-${ACCOUNT}-eu-west-1-devl`;
    cfn.on(DescribeStacksCommand).rejects(noStack('any'));
    cfn
      .on(DescribeStacksCommand, { StackName: stackName })
      .resolves({ Stacks: [{ StackName: stackName, StackId: stackId, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(DescribeStacksCommand, { StackName: stackId }).resolves({
      Stacks: [{ StackName: stackName, StackId: stackId, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }],
    });
    cfn.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        { LogicalResourceId: 'BellflowerKmsKey', PhysicalResourceId: keyId, ResourceType: 'AWS::KMS::Key', ResourceStatus: 'CREATE_COMPLETE', Timestamp: new Date() },
        { LogicalResourceId: 'BellflowerArtifactBucket', PhysicalResourceId: bucket, ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'CREATE_COMPLETE', Timestamp: new Date() },
      ],
    });
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfn.on(DeleteStackCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'bellflower/cft/x.yaml', VersionId: 'v1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    const deletionDate = new Date('2030-01-31T00:00:00.000Z');
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: keyId, KeyState: 'PendingDeletion', DeletionDate: deletionDate } });
    writeFileSync(join(dir, 'devl.local.json'), JSON.stringify({ kmsKeyId: keyId, artifactBucket: bucket, subscriptionEmail: 'ops@bellflower.test' }));
    const reporter = recordingReporter();

    const result = await destroy({ config: { ...config, artifactBucket: bucket, kmsKeyId: keyId }, clients, configDir: dir, bootstrap: true, reporter, pollSeconds: 0.05 });

    expect(result).toEqual({ deletedStacks: [stackName], deletedObjects: 1, bucketDeleted: true, quiesced: { mappingsDisabled: [], executionsStopped: 0 } });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete?.Objects).toEqual([{ Key: 'bellflower/cft/x.yaml', VersionId: 'v1' }]);
    expect(cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: stackId }]);
    expect(reporter.lines).toContain(
      `KMS key ${keyId}: PendingDeletion until 2030-01-31T00:00:00.000Z (KMS deletes a key only after its pending window; aws kms cancel-key-deletion --key-id ${keyId} keeps it)`,
    );
    expect(JSON.parse(readFileSync(join(dir, 'devl.local.json'), 'utf8'))).toEqual({ subscriptionEmail: 'ops@bellflower.test' });
  });
});

describe('recordConfig', () => {
  it('writes the recorded fields first in a fixed order, keeps the others, and writes nothing when nothing changed', () => {
    const file = join(dir, 'test.local.json');
    writeFileSync(file, JSON.stringify({ parameters: { LambdaLogLevel: 'DEBUG' }, kmsKeyId: 'old' }));
    const values = { kmsKeyId: 'new-key', region: 'eu-west-1', artifactBucket: 'b', kmsKeyAlias: 'bellflower-test' };

    expect(recordConfig('test', values, dir)).toEqual({ file, changed: true });
    expect(readFileSync(file, 'utf8')).toBe(
      `${JSON.stringify({ region: 'eu-west-1', artifactBucket: 'b', kmsKeyAlias: 'bellflower-test', kmsKeyId: 'new-key', parameters: { LambdaLogLevel: 'DEBUG' } }, null, 2)}\n`,
    );
    expect(recordConfig('test', values, dir)).toEqual({ file, changed: false });
  });
});
