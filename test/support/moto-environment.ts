/**
 * A deploy environment on moto for the deploy tests: a started server, clients pointed at it, a
 * KMS key with its alias, and the configuration that names them.
 */
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { startMoto, type MotoServer } from './moto';
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
  const key = await clients.kms.send(new CreateKeyCommand({}));
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
