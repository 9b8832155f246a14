/**
 * Test support: resolved configurations for the tests that need no configuration file.
 */
import type { BellflowerConfig } from '../../scripts/lib/core/config';

/** The devl environment of the shipped configuration, in eu-west-1 (the deployment library's tests that mock the AWS clients). */
export const DEVL_CONFIG: BellflowerConfig = {
  environment: 'devl',
  region: 'eu-west-1',
  artifactBucket: 'bellflower-artifacts-example-devl',
  keyPrefix: 'bellflower',
  crossStackName: 'bellflower-s3-custom-resource-stack-devl',
  rootStackName: 'bellflower-root-stack-devl',
  kmsKeyAlias: 'bellflower-devl',
  kmsKeyId: '00000000-0000-0000-0000-000000000000',
  subscriptionEmail: 'ops@bellflower.test',
  parameters: {},
};

/** A complete configuration of one environment for unit tests (no file read), with overrides. */
export function sampleConfig(overrides: Partial<BellflowerConfig> = {}): BellflowerConfig {
  const environment = overrides.environment ?? 'devl';
  return {
    environment,
    region: 'eu-west-1',
    artifactBucket: 'bellflower-artifacts',
    keyPrefix: 'bellflower',
    crossStackName: `bellflower-s3-custom-resource-stack-${environment}`,
    rootStackName: `bellflower-root-stack-${environment}`,
    kmsKeyAlias: `bellflower-${environment}`,
    kmsKeyId: '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f',
    subscriptionEmail: 'ops@bellflower.test',
    parameters: {},
    ...overrides,
  };
}
