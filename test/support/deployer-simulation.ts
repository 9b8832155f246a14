/**
 * Asks the IAM policy simulator whether an identity policy of the deployer contract allows one
 * request, over TLS, with the request's condition keys set and the key's documented key policy on
 * KMS keys. Shared by the deployer-policy and handler-contract tests.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { keyPolicy } from '../../templates/iam-contract';
import type { DeployerTargets } from '../../scripts/lib/deployment/deployer-policy';
import { withEncryptionContextStandIn } from './iam-policies';

/** The targets of the deployer tests: devl in eu-west-1 of a sample account, after bootstrap recorded the key. */
export const DEPLOYER_TARGETS: DeployerTargets = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '111122223333',
  urlSuffix: 'amazonaws.com',
  environment: 'devl',
  projectName: 'bellflower',
  artifactBucket: 'bellflower-artifacts-111122223333-eu-west-1-devl',
  keyPrefix: 'bellflower',
  keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  rootStackName: 'bellflower-root-stack-devl',
  crossStackName: 'bellflower-s3-custom-resource-stack-devl',
  bootstrapStackName: 'bellflower-bootstrap-devl',
};

/** A request to simulate: the action, the resource, the condition it was granted under and extra context. */
export interface SimulatedRequest {
  readonly action: string;
  readonly resource: string;
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly context?: Readonly<Record<string, string>>;
}

/** `Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`, or the simulation's error. */
export async function decide(policy: object, t: { readonly partition: string; readonly accountId: string }, request: SimulatedRequest): Promise<string> {
  const context: Record<string, string> = {
    'aws:SecureTransport': 'true',
    ...Object.fromEntries(Object.values(request.condition ?? {}).flatMap((values) => Object.entries(values))),
    ...request.context,
  };
  const isKey = /^arn:[^:]+:kms:[^:]+:\d+:key\//.test(request.resource);
  const simulation: Simulation = withEncryptionContextStandIn({
    request: { principal: `arn:${t.partition}:iam::${t.accountId}:role/bellflower-deployer`, action: request.action, resource: { resource: request.resource, accountId: t.accountId }, contextVariables: context },
    identityPolicies: [{ name: 'deployer', policy: policy as Record<string, unknown> }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(isKey ? { resourcePolicy: keyPolicy({ accountId: t.accountId, partition: t.partition }) as unknown as Record<string, unknown> } : {}),
  });
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `simulation error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}
