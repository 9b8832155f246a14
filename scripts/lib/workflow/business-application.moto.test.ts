/**
 * The business application's own access, against moto with IAM enforcement: the role the IAM
 * stack creates (its synthesized inline policy, and its trust policy with the external id
 * condition), assumed with the partner's own credentials, then `respond` writing the answer through
 * it. What the role must not do is refused. Moto matches a trust policy's principal literally (it
 * does not read an account id as "any principal of that account"), so the trusted principal here is
 * the partner user; the account-id and cross-account forms are proven by the IAM simulator test.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IAM } from '../../../templates/logical-ids';
import { partnerPolicy, type PolicyDocument } from '../../../templates/iam-contract';
import { evaluateDeployment, SAMPLE } from '../../../test/support/deployment';
import { deploymentPolicies } from '../../../test/support/iam-policies';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { enforceIam, MOTO_ACCOUNT, type MotoPrincipal } from '../../../test/support/moto-iam';
import { requireTool } from '../../../test/support/tools';
import { assumeRoleOptions, createAwsClients } from '../core/aws';
import { respond } from './execution';

const EXTERNAL_ID = 'partner-7f3a-external';
const UUID = 'd6a1f1e4-2b3c-4d5e-8f90-123456789abc';

describe.runIf(requireTool('moto_server'))('the business application role (moto, IAM enforced)', () => {
  let moto: MotoServer;
  let admin: S3Client;
  let partner: MotoPrincipal;
  let roleArn: string;
  let bucket: string;

  beforeAll(async () => {
    moto = await startMoto();
    const iam = await enforceIam(moto);
    admin = new S3Client(iam.admin);
    const deployment = evaluateDeployment({
      ...SAMPLE,
      region: 'us-east-1',
      accountId: MOTO_ACCOUNT,
      parameters: { BusinessApplicationPrincipal: MOTO_ACCOUNT, BusinessApplicationExternalId: EXTERNAL_ID, S3IntegrationBucketName: 'partner-test' },
    });
    const role = deployment.nested.BellflowerIAMRole!.resources[IAM.businessApplicationRole]!;
    const { targets } = deploymentPolicies(deployment);
    partner = await iam.principal('partner', [{ name: 'partner', policy: partnerPolicy(targets) }]);
    const trust = structuredClone(role.properties.AssumeRolePolicyDocument) as { Statement: { Principal: unknown }[] };
    trust.Statement[0]!.Principal = { AWS: `arn:aws:iam::${MOTO_ACCOUNT}:user/${partner.userName}` };
    const iamAdmin = new IAMClient(iam.admin);
    await iamAdmin.send(new CreateRoleCommand({ RoleName: role.ref, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    for (const policy of role.properties.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[]) {
      await iamAdmin.send(new PutRolePolicyCommand({ RoleName: role.ref, PolicyName: policy.PolicyName, PolicyDocument: JSON.stringify(policy.PolicyDocument) }));
    }
    roleArn = targets.businessApplicationRoleArn;
    bucket = targets.bucketArn.replace(/^arn:aws:s3:::/, '');
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${UUID}/task_token.txt`, Body: 'token' }));
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${UUID}/data.json`, Body: '{"info":["abcde"]}' }));
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** An S3 client acting as the business application role, assumed with the partner's credentials. */
  const asBusinessApplication = (externalId?: string) =>
    createAwsClients(
      assumeRoleOptions(
        { region: 'us-east-1', endpoint: moto.endpoint, credentials: partner.clientConfig.credentials },
        { roleArn, ...(externalId !== undefined ? { externalId } : {}) },
      ),
    ).s3;

  it('answers a waiting execution through the role (respond --role-arn)', async () => {
    const s3 = asBusinessApplication(EXTERNAL_ID);
    const key = await respond({ s3, bucket, executionId: UUID });
    expect(key).toBe(`inbound/${UUID}/success.json`);
    const written = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(JSON.parse(await written.Body!.transformToString())).toEqual({ status: 'Response Received' });
    const data = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `outbound/${UUID}/data.json` }));
    expect(await data.Body!.transformToString()).toBe('{"info":["abcde"]}');
  });

  it('rejects what the business application must not do: delete, write outbound, write other files, read the task token', async () => {
    const s3 = asBusinessApplication(EXTERNAL_ID);
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `inbound/${UUID}/success.json` }))).rejects.toThrow(/Access Denied/);
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${UUID}/task_token.txt`, Body: 'x' }))).rejects.toThrow(/Access Denied/);
    // The task token is the integration function's alone.
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: `outbound/${UUID}/task_token.txt` }))).rejects.toThrow(/Access Denied/);
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `inbound/${UUID}/other.json`, Body: '{}' }))).rejects.toThrow(/Access Denied/);
  });

  it('rejects assuming the role with a wrong external id', async () => {
    await expect(respond({ s3: asBusinessApplication('guessed'), bucket, executionId: UUID })).rejects.toThrow(/not authorized to perform: sts:AssumeRole/);
  });
});
