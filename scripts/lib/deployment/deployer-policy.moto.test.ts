/**
 * The deployer policy on moto with IAM enforced: an administrator runs bootstrap (it creates the
 * execution role, which the deployer may not); a user holding exactly the generated person's policy
 * runs publish with its preflight, deploy of the cross stack (as the execution role), diff, and
 * destroy; the administrator runs destroy --bootstrap. Moto checks the calls the CLI sends, not what
 * CloudFormation does inside it (nor RoleARN) and no KMS use; the simulator test covers those.
 * Moto 5.2 authorizes S3 calls against the bucket and object ARNs but every other service against
 * the resource "*" and evaluates no condition, so a shim grants the policy's other statements on
 * "*": here moto proves the actions of every call and the S3 resources. Every call made must have a
 * contract entry.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { enforceIam, MOTO_ACCOUNT, type MotoPrincipal } from '../../../test/support/moto-iam';
import { requireTool } from '../../../test/support/tools';
import type { PolicyDocument } from '../../../templates/iam-contract';
import { createAwsClients, type AwsClients } from '../core/aws';
import { bootstrap } from './bootstrap';
import { loadConfig } from '../core/config';
import { DEFAULT_CONFIG_DIR } from '../core/paths';
import { deploy } from './deploy';
import { deployerContract, deployerPolicy, deployerTargets, personEntries, splitPolicy, type DeployerPolicyDocument } from './deployer-policy';
import { destroy } from './destroy';
import { diffBootstrap } from './diff';
import { publishEnvironment } from './publish-preflight';
import type { ArtifactBuild } from './publish';
import { writeFakeBuild } from '../../../test/support/fake-build';

/** The statements of services other than S3 on "*", without condition: how moto 5.2 can match them. */
function motoShim(part: DeployerPolicyDocument): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: part.Statement.map(({ Condition: _condition, ...statement }) =>
      statement.Action.every((action) => action.startsWith('s3:')) ? { ...statement, ...(_condition ? { Condition: _condition } : {}) } : { ...statement, Resource: ['*'] },
    ),
  };
}

/** Records `<Service>.<Operation>` of every command the clients send. */
function recordCalls(clients: AwsClients): Set<string> {
  const calls = new Set<string>();
  const services: Record<string, string> = { S3Client: 'S3', CloudFormationClient: 'CloudFormation', KMSClient: 'KMS', STSClient: 'STS', SFNClient: 'SFN' };
  for (const client of [clients.s3, clients.cloudFormation, clients.kms, clients.sts, clients.sfn]) {
    const record: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
      calls.add(`${services[context.clientName ?? ''] ?? context.clientName}.${(context.commandName ?? '').replace(/Command$/, '')}`);
      return next(args);
    };
    (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(record, { step: 'initialize', name: 'recordCalls' });
  }
  return calls;
}

describe.runIf(requireTool('moto_server'))('deployer policy on moto with IAM enforced', () => {
  let moto: MotoServer;
  let deployer: MotoPrincipal;
  let administrator: AwsClients;
  let configDir: string;
  let distDir: string;
  beforeAll(async () => {
    moto = await startMoto();
    const iam = await enforceIam(moto);
    administrator = createAwsClients({ ...iam.admin });
    deployer = await iam.principal('deployer', []);
    configDir = mkdtempSync(join(tmpdir(), 'bellflower-deployer-'));
    copyFileSync(join(DEFAULT_CONFIG_DIR, 'devl.json'), join(configDir, 'devl.json'));
    distDir = writeFakeBuild();
  });
  afterAll(async () => {
    await moto?.stop();
    for (const dir of [configDir, distDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const config = () => ({ ...loadConfig({ env: 'devl', configDir }), subscriptionEmail: 'ops@bellflower.test' });
  /** Gives the deployer exactly the policy generated for the configuration as it is now (with moto's shim). */
  const grantDeployerPolicy = async (previousParts: number): Promise<number> => {
    for (let index = 1; index <= previousParts; index++) await deployer.detach(`deployer-${index}`);
    const parts = splitPolicy(deployerPolicy(personEntries(deployerContract(deployerTargets(config(), MOTO_ACCOUNT)))));
    for (const [index, part] of parts.entries()) await deployer.attach(`deployer-${index + 1}`, motoShim(part));
    const bucket = `arn:aws:s3:::${deployerTargets(config(), MOTO_ACCOUNT).artifactBucket}`;
    await deployer.attach('moto-s3-shim', {
      Version: '2012-10-17',
      Statement: [
        // Moto names HeadBucket's action s3:HeadBucket and DeleteObjects' s3:DeleteObject on the bucket; S3 authorizes
        // them as s3:ListBucket and s3:DeleteObjectVersion on each key, which the policy grants.
        { Effect: 'Allow', Action: ['s3:HeadBucket', 's3:DeleteObject'], Resource: [bucket] },
      ],
    });
    return parts.length;
  };

  it('runs publish, deploy, diff and destroy with nothing more, after an administrator\'s bootstrap', async () => {
    const clients = createAwsClients({ ...deployer.clientConfig });
    const calls = recordCalls(clients);
    const polling = { pollSeconds: 0.2 };

    // Without the policy the deployer can do nothing: enforcement is on.
    await expect(bootstrap({ config: config(), clients, configDir, ...polling })).rejects.toThrow(/not authorized|AccessDenied/i);
    const first = await bootstrap({ config: config(), clients: administrator, configDir, record: { subscriptionEmail: 'ops@bellflower.test' }, ...polling });
    expect(first.stack.action).toBe('created');

    // The policy names the recorded key, bucket and execution role.
    await grantDeployerPolicy(0);
    const recorded = config();
    expect(recorded.cfnExecutionRoleArn).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/bellflower-devl-us-east-1-cfn-exec`);
    // Publish as the command runs it: its preflight (credentials, the bucket read-only), then the upload; the build is the fake one.
    const build = async (): Promise<ArtifactBuild> => ({ synthesized: false, code: { manifest: {}, built: [], reused: [] } });
    await publishEnvironment({ config: recorded, clients, distDir, build, tlsOnlyPolicy: false });
    expect((await deploy({ config: recorded, clients, distDir, crossOnly: true, ...polling })).cross.action).toBe('created');
    expect((await diffBootstrap({ config: recorded, clients, ...polling })).status).toBe('unchanged');
    // No --delete-artifacts: its listing under "bellflower/" fails moto's signature check under IAM enforcement
    // (an encoded "/" in the query, which S3 accepts); --bootstrap empties the whole bucket, no prefix.
    const destroyed = await destroy({ config: recorded, clients, configDir, ...polling });
    expect(destroyed.deletedStacks).toEqual([recorded.crossStackName]);
    const removed = await destroy({ config: recorded, clients: administrator, configDir, bootstrap: true, ...polling });
    expect(removed.deletedStacks).toEqual(['bellflower-bootstrap-devl']);

    const listed = new Set(deployerContract(deployerTargets(recorded, MOTO_ACCOUNT)).map((entry) => entry.operation));
    expect([...calls].filter((call) => !listed.has(call)).sort()).toEqual([]);
    expect(calls.size).toBeGreaterThan(12);
  });
});
