/** Names bootstrap chooses, shared by bootstrap and the deployer policy. */
import type { EnvironmentName } from '../../../templates/names';

/** Name of the bootstrap stack of an environment. */
export const bootstrapStackName = (env: EnvironmentName): string => `bellflower-bootstrap-${env}`;

/** Artifact bucket name bootstrap chooses when the configuration names none (unique per account, region, environment). */
export const defaultArtifactBucket = (account: string, region: string, env: EnvironmentName): string =>
  `bellflower-artifacts-${account}-${region}-${env}`;
