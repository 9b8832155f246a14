/**
 * Proves the IAM contract against the exact synthesized policies with an IAM policy simulator
 * (@cloud-copilot/iam-simulate: identity, resource and key policies, every condition operator,
 * the Service Authorization Reference's actions and resource types). AGPL-3.0: a test-time
 * development dependency only, never bundled into a handler or shipped.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateDeployment, SAMPLE } from '../test/support/deployment';
import { deploymentPolicies, matchesPattern, resourcePolicyFor, withEncryptionContextStandIn, type DeploymentPolicies } from '../test/support/iam-policies';
import { IAM, ROOT } from './logical-ids';
import { contract, executionArnOf, PRINCIPALS, STATE_MACHINE_ENCRYPTION_CONTEXT, type ContractEntry, type PermissionRequest, type PrincipalName } from './iam-contract';

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | string;

async function decide(
  policies: DeploymentPolicies,
  principal: PrincipalName,
  request: PermissionRequest,
  secureTransport = true,
  principalArn = policies.principalArns[principal],
): Promise<Decision> {
  const simulation: Simulation = withEncryptionContextStandIn({
    request: {
      principal: principalArn,
      action: request.action,
      resource: { resource: request.resource, accountId: policies.targets.accountId },
      contextVariables: { 'aws:SecureTransport': String(secureTransport), ...request.context },
    },
    identityPolicies: [...policies.identityPolicies[principal]],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(policies, request.resource)?.policy,
  });
  if (request.authorization === 'runtime') return runUnsafeSimulation(simulation, {});
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `simulation error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

const label = (entry: ContractEntry, request: PermissionRequest) =>
  `${PRINCIPALS[entry.principal]} ${entry.operation}: ${request.action} on ${request.resource}`;

/** Every (principal, request) of the contract. */
const requestsOf = (entries: readonly ContractEntry[]) => entries.flatMap((entry) => entry.requests.map((request) => ({ entry, request })));

/** Decrypt and GenerateDataKey of the key for a state machine's execution data. */
const stateMachineDataRequests = (t: DeploymentPolicies['targets'], stateMachineArn: string): PermissionRequest[] =>
  ['kms:Decrypt', 'kms:GenerateDataKey'].map((action) => ({ action, resource: t.keyArn, context: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: stateMachineArn } }));

/** Requests the least-privilege design must refuse. */
function forbidden(policies: DeploymentPolicies): [PrincipalName, PermissionRequest][] {
  const t = policies.targets;
  const otherStateMachine = `${t.stateMachineArn}-other`;
  const token = `${t.bucketArn}/outbound/0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f/task_token.txt`;
  return [
    ['processing', { action: 's3:GetObject', resource: token }],
    ['processing', { action: 'states:SendTaskSuccess', resource: t.stateMachineArn, authorization: 'runtime' }],
    ['processing', { action: 'sqs:ReceiveMessage', resource: t.queueArn }],
    ['integration', { action: 's3:DeleteObject', resource: token }],
    ['integration', { action: 's3:PutObject', resource: `${t.bucketArn}/inbound/x/success.json` }],
    ['integration', { action: 'kms:Decrypt', resource: t.keyArn }],
    // The encrypted state machine's data: only our state machine's context, only who touches it.
    ...stateMachineDataRequests(t, otherStateMachine).flatMap((request) =>
      (['stateMachine', 'integration', 'operator'] as const).map((principal): [PrincipalName, PermissionRequest] => [principal, request]),
    ),
    // (CloudWatch alarms are left out: AWS's documented statement for alarms on an encrypted topic,
    // which the key policy carries, has no condition.)
    ...(['processing', 'folders', 'notification', 'businessApplication', 's3Service'] as const).flatMap((principal) =>
      stateMachineDataRequests(t, t.stateMachineArn).map((request): [PrincipalName, PermissionRequest] => [principal, request]),
    ),
    ['logDelivery', { action: 'kms:Decrypt', resource: t.keyArn, context: { 'aws:SourceAccount': '444455556666' } }],
    ['logDelivery', { action: 'kms:GenerateDataKey', resource: t.keyArn, context: { 'aws:SourceAccount': t.accountId } }],
    ['stateMachine', { action: 'kms:GenerateDataKey', resource: t.keyArn, context: { 'kms:EncryptionContext:SourceArn': t.stateMachineLogGroupArn.replace(t.accountId, '444455556666') } }],
    ['operator', { action: 'states:GetExecutionHistory', resource: executionArnOf(otherStateMachine, 'x') }],
    ['stateMachine', { action: 'lambda:InvokeFunction', resource: t.integrationFunctionArn }],
    ['folders', { action: 's3:GetObject', resource: token }],
    ['folders', { action: 's3:PutBucketNotification', resource: t.bucketArn }],
    ['notification', { action: 's3:DeleteObjectVersion', resource: token }],
    ['s3Service', {
      action: 'lambda:InvokeFunction',
      resource: t.integrationFunctionArn,
      context: { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': t.bucketArn },
    }],
    ['s3Service', { action: 'lambda:InvokeFunction', resource: t.processingFunctionArn, context: { 'aws:SourceAccount': t.accountId } }],
    ['alarms', {
      action: 'sns:Publish',
      resource: t.topicArn,
      context: { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': t.alarmArn.replace(t.accountId, '444455556666') },
    }],
    ['businessApplication', { action: 's3:PutObject', resource: `${t.bucketArn}/outbound/x/task_token.txt` }],
    ['businessApplication', { action: 's3:PutObject', resource: `${t.bucketArn}/inbound/x/other.json` }],
    ['businessApplication', { action: 's3:DeleteObject', resource: `${t.bucketArn}/inbound/x/success.json` }],
    ['businessApplication', { action: 's3:ListBucket', resource: t.bucketArn, context: { 's3:prefix': 'inbound/' } }],
    ['businessApplication', { action: 'kms:Decrypt', resource: t.keyArn }],
    ['businessApplication', { action: 's3:GetObject', resource: `${t.bucketArn}/inbound/x/success.json` }],
    // The task token is the integration function's alone: a partner holding it could end the execution.
    ['businessApplication', { action: 's3:GetObject', resource: token }],
    // No writer overrides the bucket's encryption with our key (SSE-S3, another key, SSE-C).
    ['businessApplication', {
      action: 's3:PutObject',
      resource: `${t.bucketArn}/inbound/x/success.json`,
      context: { 's3:x-amz-server-side-encryption': 'AES256' },
    }],
    ['businessApplication', {
      action: 's3:PutObject',
      resource: `${t.bucketArn}/inbound/x/success.json`,
      context: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': t.keyArn.replace(/key\/.*/, 'key/11111111-2222-3333-4444-555555555555') },
    }],
    ['businessApplication', {
      action: 's3:PutObject',
      resource: `${t.bucketArn}/inbound/x/success.json`,
      context: { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' },
    }],
    ['integration', { action: 's3:PutObject', resource: token, context: { 's3:x-amz-server-side-encryption': 'AES256' } }],
    ['integration', { action: 's3:PutObject', resource: token, context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }],
    // With an external id configured, the partner must pass it (confused-deputy protection).
    ...(t.externalId === ''
      ? []
      : ([
          ['partner', { action: 'sts:AssumeRole', resource: t.businessApplicationRoleArn, context: { 'sts:ExternalId': 'guessed' } }],
          ['partner', { action: 'sts:AssumeRole', resource: t.businessApplicationRoleArn }],
        ] as [PrincipalName, PermissionRequest][])),
  ];
}

describe.each([
  ['the default sample', SAMPLE],
  ['another partition, region and bucket name, a partner account without external id', {
    ...SAMPLE,
    partition: 'aws-cn',
    region: 'cn-north-1',
    parameters: { S3IntegrationBucketName: 'renamed-bucket', Environment: 'prod', BusinessApplicationPrincipal: '444455556666' },
  }],
])('IAM contract, simulated against the synthesized policies (%s)', (_, sample) => {
  let policies: DeploymentPolicies;
  let entries: ContractEntry[];
  beforeAll(() => {
    policies = deploymentPolicies(evaluateDeployment(sample));
    entries = contract(policies.targets);
  });

  it('allows every call of every principal, over TLS', async () => {
    const refused: string[] = [];
    for (const { entry, request } of requestsOf(entries)) {
      const decision = await decide(policies, entry.principal, request);
      if (decision !== 'Allowed') refused.push(`${label(entry, request)} -> ${decision}`);
    }
    expect(refused).toEqual([]);
    expect(requestsOf(entries).length).toBeGreaterThan(60);
  });

  it('denies every call to the bucket, the queues and the topic without TLS', async () => {
    const allowed: string[] = [];
    let checked = 0;
    for (const { entry, request } of requestsOf(entries)) {
      const governed = resourcePolicyFor(policies, request.resource);
      if (!governed || !/^arn:[^:]+:(s3|sqs|sns):/.test(request.resource)) continue;
      checked++;
      const decision = await decide(policies, entry.principal, request, false);
      if (decision !== 'ExplicitlyDenied') allowed.push(`${label(entry, request)} -> ${decision}`);
    }
    expect(allowed).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('refuses what no principal needs (least privilege)', async () => {
    const wronglyAllowed: string[] = [];
    for (const [principal, request] of forbidden(policies)) {
      const decision = await decide(policies, principal, request);
      if (decision === 'Allowed') wronglyAllowed.push(`${PRINCIPALS[principal]}: ${request.action} on ${request.resource}`);
    }
    expect(wronglyAllowed).toEqual([]);
  });

  it('lets only the named business application assume its role', async () => {
    const [assume] = requestsOf(entries.filter((entry) => entry.principal === 'partner'));
    expect(await decide(policies, 'partner', assume!.request)).toBe('Allowed');
    const intruder = 'arn:aws:iam::999988887777:role/partner-integration';
    expect(await decide(policies, 'partner', assume!.request, true, intruder)).not.toBe('Allowed');
  });

  it('lets only Step Functions acting for our state machine, in this account, assume the state machine role', async () => {
    const deployment = evaluateDeployment(sample);
    const role = deployment.nested.BellflowerIAMRole!.resources[IAM.stepFunctionRole]!;
    const { accountId, stateMachineArn } = policies.targets;
    const assume = (context: Record<string, string>) =>
      runSimulation(
        {
          request: {
            principal: 'states.amazonaws.com',
            action: 'sts:AssumeRole',
            resource: { resource: role.arn!, accountId },
            contextVariables: context,
          },
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: role.properties.AssumeRolePolicyDocument as Simulation['resourcePolicy'],
        },
        {},
      ).then((result) => (result.resultType === 'error' ? `simulation error: ${JSON.stringify(result.errors)}` : result.overallResult));
    expect(await assume({ 'aws:SourceAccount': accountId, 'aws:SourceArn': stateMachineArn })).toBe('Allowed');
    const foreign = stateMachineArn.replace(accountId, '444455556666');
    expect(await assume({ 'aws:SourceAccount': '444455556666', 'aws:SourceArn': foreign })).not.toBe('Allowed');
    expect(await assume({ 'aws:SourceAccount': accountId, 'aws:SourceArn': `${stateMachineArn}-other` })).not.toBe('Allowed');
  });

  it('grants no action on no resource that no call of the contract uses', () => {
    const unused: string[] = [];
    for (const principal of Object.keys(PRINCIPALS) as PrincipalName[]) {
      const used = requestsOf(entries.filter((entry) => entry.principal === principal)).map(({ request }) => request);
      for (const { name, policy } of policies.identityPolicies[principal]) {
        for (const statement of policy.Statement) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of [statement.Action].flat() as string[]) {
            for (const resource of [statement.Resource].flat() as string[]) {
              const usedBy = used.some((r) => r.action === action && matchesPattern(resource, r.resource));
              if (!usedBy) unused.push(`${PRINCIPALS[principal]} (${name}, ${String(statement.Sid)}): ${action} on ${resource}`);
            }
          }
        }
      }
    }
    expect(unused).toEqual([]);
  });
});

describe('the state machine\'s encrypted data', () => {
  it('is encrypted with the customer managed key the roles and the operator policy are granted (customer managed, data keys reused 300 s)', () => {
    const deployment = evaluateDeployment();
    const { keyArn } = deploymentPolicies(deployment).targets;
    expect(deployment.root.resources[ROOT.stateMachine]!.properties.EncryptionConfiguration).toEqual({
      Type: 'CUSTOMER_MANAGED_KMS_KEY',
      KmsKeyId: keyArn,
      KmsDataKeyReusePeriodSeconds: 300,
    });
    expect(deployment.nested[ROOT.iamStack]!.parameters.KmsMasterKeyArn).toBe(keyArn);
  });
});

describe('IAM contract table', () => {
  it('names real operations and IAM actions, one entry per principal and operation', () => {
    const entries = contract(deploymentPolicies(evaluateDeployment()).targets);
    const keys = entries.map((entry) => `${entry.principal} ${entry.operation}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of entries) {
      expect(entry.operation).toMatch(/^[A-Za-z0-9]+\.[A-Z][A-Za-z0-9]+$/);
      for (const request of entry.requests) expect(request.action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
    }
  });
});
