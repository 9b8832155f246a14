/**
 * A deploy environment on moto for the deploy tests: a started server, clients pointed at it, a
 * KMS key with its alias, and the configuration that names them.
 */
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startMoto, type MotoServer } from './moto';
import { keyPolicy } from '../../templates/iam-contract';
import { createAwsClients, type AwsClients } from '../../scripts/lib/core/aws';
import type { BellflowerConfig } from '../../scripts/lib/core/config';

/** What {@link startMotoEnvironment} returns. */
export interface MotoEnvironment {
  readonly moto: MotoServer;
  readonly clients: AwsClients;
  readonly config: BellflowerConfig;
}

/** Starts moto, creates the KMS key and alias the configuration names; `overrides` adjust the config. */
export async function startMotoEnvironment(overrides: Partial<BellflowerConfig> = {}): Promise<MotoEnvironment> {
  const moto = await startMoto();
  const clients = createAwsClients({ ...moto.clientConfig });
  // The key policy bootstrap creates (account root, CloudWatch): deploy's preflight checks both.
  const { Account: accountId = '123456789012' } = await clients.sts.send(new GetCallerIdentityCommand({}));
  const key = await clients.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy({ accountId, partition: 'aws' })) }));
  const kmsKeyId = key.KeyMetadata!.KeyId!;
  await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: kmsKeyId }));
  const config: BellflowerConfig = {
    environment: 'devl',
    region: moto.clientConfig.region,
    artifactBucket: 'bellflower-artifacts',
    keyPrefix: 'bellflower',
    crossStackName: 'bellflower-s3-custom-resource-stack-devl',
    rootStackName: 'bellflower-root-stack-devl',
    kmsKeyAlias: 'bellflower-devl',
    kmsKeyId,
    subscriptionEmail: 'ops@bellflower.test',
    parameters: {},
    ...overrides,
  };
  return { moto, clients, config };
}
