/** A complete configuration of one environment for unit tests (no file read), with overrides. */
import type { BellflowerConfig } from '../../scripts/lib/core/config';

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
