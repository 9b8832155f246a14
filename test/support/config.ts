/**
 * Test support: a resolved devl configuration in eu-west-1, for the deployment library's tests that
 * mock the AWS clients.
 */
import type { BellflowerConfig } from '../../scripts/lib/core/config';

/** The devl environment of the shipped configuration, in eu-west-1. */
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
