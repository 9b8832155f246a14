/**
 * The AWS half of the command layer, loaded by a command's `run` (`command.ts` is the light
 * half): the configuration, the clients and the deployment a command works on. Before a
 * command reads or changes anything in AWS it prints one line to stderr naming the account, the
 * region (and where it came from) and the endpoint; an unreachable endpoint, missing credentials
 * and refused credentials stop it there, each with its fix.
 */
import { awsTarget, checkEndpointVariables, createAwsClients, endpointDescription, sharedConfigRegions, targetLine, usesPlainHttpEndpoint, type AwsClients, type AwsTarget } from '../lib/core/aws';
import { cfnRoleFlag, type CfnRoleFlags, type EnvironmentFlags } from './command';
import { nodeSupportNoticeOnce } from '../lib/core/node-notice';
import { configDirOf, distDirOf } from '../lib/core/paths';
import { terminalReporter } from '../lib/core/reporter';
import { loadConfig, withCfnRole, type BellflowerConfig } from '../lib/core/config';
import { deploymentTarget, type DeploymentTarget } from '../lib/workflow/execution';
import { deployedOutputs, type OutputsSource } from '../lib/deployment/outputs';
import { DEFAULT_DIST_DIR } from '../lib/core/paths';
import type { Reporter } from '../lib/core/reporter';

export { withCommonOptions, withEnvironmentOptions, type CommonFlags, type EnvironmentFlags } from './command';

/** Configuration, clients and paths of one command run. */
export interface CommandContext {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  readonly distDir: string;
  /** True when S3 is an emulator over plain http (no TLS-only bucket policy there). */
  readonly plainHttp: boolean;
  readonly reporter: Reporter;
  /** Who and where: printed before the first request. */
  readonly target: AwsTarget;
}

/** Where a context reads its files from (tests; the hidden `--config-dir` and `--dist` flags). */
export interface ContextPaths {
  /** @default the project's `config/` */
  readonly configDir?: string;
  /** @default the project's `dist/` */
  readonly distDir?: string;
}

/** Options of {@link commandContext}. */
export interface ContextOptions extends ContextPaths {
  /** @default a terminal reporter on stderr */
  readonly reporter?: Reporter;
  /** The command lets CloudFormation change stacks: the AWS line says with which role. @default false */
  readonly cfnRole?: boolean;
  /**
   * Refusals the configuration alone decides (a physical name over its AWS limit for publish, deploy
   * and diff; a production environment for sync): run once it is loaded, before any AWS call.
   */
  readonly refuse?: (config: BellflowerConfig) => void | Promise<void>;
}

/** The environment's configuration (region and profile resolved as the AWS CLI does), without calling AWS. */
export async function configOf(
  flags: EnvironmentFlags & CfnRoleFlags & { readonly parameter?: readonly string[]; readonly tags?: readonly string[] },
  options: ContextPaths = {},
): Promise<BellflowerConfig> {
  const configDir = options.configDir ?? configDirOf(flags);
  const loaded = loadConfig({
    env: flags.env,
    ...(configDir !== undefined ? { configDir } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    parameters: flags.parameter ?? [],
    ...(flags.tags !== undefined ? { tags: flags.tags } : {}),
    profileRegions: await sharedConfigRegions(),
  });
  return withCfnRole(loaded, cfnRoleFlag(flags));
}

/**
 * Loads the configuration (region and profile resolved as the AWS CLI does), checks the endpoint
 * variables, creates the clients, asks STS who the credentials are and prints that line. Throws
 * `AwsAccessError` when AWS cannot be used, `ConfigError` for a bad configuration.
 */
export async function commandContext(
  flags: EnvironmentFlags & CfnRoleFlags & { readonly parameter?: readonly string[]; readonly tags?: readonly string[] },
  options: ContextOptions = {},
): Promise<CommandContext> {
  const reporter = options.reporter ?? terminalReporter();
  checkEndpointVariables();
  const config = await configOf(flags, options);
  await options.refuse?.(config);
  const clients = createAwsClients({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) });
  const notice = nodeSupportNoticeOnce();
  if (notice) reporter.info(notice);
  const target = await awsTarget(clients, {
    endpoint: endpointDescription(config.region),
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
  });
  reporter.info(`${targetLine(target, config.regionSource)}${options.cfnRole ? `; ${cfnRoleText(config)}` : ''}`);
  return {
    config,
    clients,
    distDir: options.distDir ?? distDirOf(flags) ?? DEFAULT_DIST_DIR,
    plainHttp: usesPlainHttpEndpoint({}),
    reporter,
    target,
  };
}

/** A command context plus the deployed resources. */
export interface DeploymentContext extends CommandContext {
  readonly deployment: DeploymentTarget;
}

/** What the command line already names of the deployment (used as is, never looked up). */
export interface GivenTarget {
  readonly stateMachineArn?: string;
  readonly bucket?: string;
}

/**
 * {@link commandContext} plus the deployed state machine and bucket: those given on the command
 * line as they are, the others from the root stack's outputs (see `deployedOutputs`).
 */
export async function deploymentContext(flags: EnvironmentFlags, given: GivenTarget = {}, options: ContextOptions = {}): Promise<DeploymentContext> {
  const context = await commandContext(flags, options);
  return { ...context, deployment: await findDeployment(context, given) };
}

/** The deployment of `context`'s environment, completing what `given` lacks from the stacks. */
export async function findDeployment(context: CommandContext, given: GivenTarget = {}): Promise<DeploymentTarget & { readonly source?: OutputsSource }> {
  if (given.stateMachineArn !== undefined && given.bucket !== undefined) {
    return { stateMachineArn: given.stateMachineArn, bucket: given.bucket };
  }
  const { config } = context;
  const { outputs, source } = await deployedOutputs({
    cloudFormation: context.clients.cloudFormation,
    env: config.environment,
    stackName: config.rootStackName,
    region: config.region,
    distDir: context.distDir,
    reporter: context.reporter,
  });
  const found = deploymentTarget(outputs, config.environment);
  return { stateMachineArn: given.stateMachineArn ?? found.stateMachineArn, bucket: given.bucket ?? found.bucket, source };
}

/** Whose permissions CloudFormation uses for the stacks, for the AWS line. */
export function cfnRoleText(config: BellflowerConfig): string {
  return config.cfnExecutionRoleArn !== undefined
    ? `CloudFormation acts as ${config.cfnExecutionRoleArn}`
    : 'CloudFormation acts with the caller\'s credentials (no execution role: run bootstrap, or pass --role-arn)';
}
