/**
 * What `bellflower publish` does, in this order: a preflight that builds nothing and writes
 * nothing, then the build, then the upload (creating the artifact bucket if it is missing).
 *
 * The preflight lists every problem at once (`PreflightError`): the checks deploy makes of the
 * configuration and the parameters ({@link checkConfiguration}: example values, `--parameter` and
 * config values against the templates' declared constraints, S3's naming rules), the credentials,
 * and the artifact bucket, read-only: it must exist in this region and account, or not exist at
 * all (then publish creates it). The bucket is asked about only when its name is usable (not the
 * shipped example, valid under S3's rules), so the shipped configuration is refused without a
 * request to S3.
 *
 * What `--parameter` changes for publish: nothing it builds. The templates and handler zips are
 * the same for every environment and every parameter value (CloudFormation receives the values
 * at deploy); only the state machine definition differs, through the configuration's
 * `callbackTimeoutSeconds` and `callbackHeartbeatSeconds`, which are not stack parameters (a
 * `--parameter` naming them is refused, pointing at the config field). Publish still checks every
 * `--parameter` as deploy will, including `S3ObjectExpirationInDays` against the callback timeout
 * it bakes into the definition, so a bad value fails before the build rather than at deploy.
 */
import { join } from 'node:path';
import type { AwsClients } from '../core/aws';
import { exampleFields, type BellflowerConfig } from '../core/config';
import { CACHE_ROOT, hashOptions, rememberedRecord } from '../build/build-cache';
import { sourceFingerprint } from '../build/cli-bundle';
import { messageOf, PreflightError } from '../core/errors';
import { silentReporter, type Reporter } from '../core/reporter';
import { checkBucketName } from './parameter-constraints';
import { checkConfiguration, checkCredentials, checkNameLengths, type DeclaredParameters, type StackParameters } from './preflight';
import { buildArtifacts, environmentBuildOptions, publish, publishOptions, type ArtifactBuild, type ArtifactBuildOptions, type PublishResult } from './publish';
import { checkArtifactBucket } from './artifact-bucket';

/**
 * The declared parameters of the root and cross templates these sources synthesize, and every
 * physical name the stacks produce (templates/physical-names.ts), rendered in
 * memory (dist/ may hold an older build, or none) and remembered under the sources' fingerprint,
 * so that an unchanged publish does not render the templates twice.
 */
export async function declaredStackParameters(fingerprint: () => string | undefined = sourceFingerprint): Promise<StackParameters> {
  const sources = fingerprint();
  return rememberedRecord(
    sources === undefined ? undefined : join(CACHE_ROOT, 'stack-parameters', `${hashOptions({ sources })}.json`),
    (record) => typeof record === 'object' && record !== null && 'root' in record && 'cross' in record && 'names' in record,
    async () => {
      // Loaded only when needed: the templates are most of the modules an unchanged publish would load.
      const { renderTemplates } = await import('../../../templates/index');
      const { physicalNamePatterns } = await import('../../../templates/physical-names');
      const { objects, nestedTemplatePaths } = renderTemplates();
      const parametersOf = (template: Record<string, unknown>) => (template.Parameters ?? {}) as DeclaredParameters;
      return { root: parametersOf(objects.root), cross: parametersOf(objects.cross), names: physicalNamePatterns(objects, nestedTemplatePaths) };
    },
  );
}

/**
 * Throws `PreflightError` when a physical name of the environment's stacks is over its AWS limit
 * ({@link checkNameLengths}); asks AWS nothing, so the commands call it before their first request.
 */
export async function refuseLongNames(config: BellflowerConfig): Promise<void> {
  const tooLong = checkNameLengths(config, await declaredStackParameters());
  if (tooLong.length > 0) throw new PreflightError(tooLong);
}

/** Options of {@link publishPreflight}. */
export interface PublishPreflightOptions {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 's3' | 'sts'>;
  /** @default the parameters the sources' templates declare ({@link declaredStackParameters}) */
  readonly declared?: StackParameters;
}

/** What the publish preflight learned. */
export interface PublishPreflightResult {
  readonly account: string;
  /** True when the artifact bucket exists (ours, in the region); false when publish will create it. */
  readonly bucketExists: boolean;
}

/**
 * Checks everything publish depends on before it builds or writes anything; sends only
 * GetCallerIdentity, HeadBucket and GetBucketLocation. Throws `PreflightError` listing every problem.
 */
export async function publishPreflight(options: PublishPreflightOptions): Promise<PublishPreflightResult> {
  const { config, clients } = options;
  const declared = options.declared ?? (await declaredStackParameters());
  const problems = checkConfiguration(config, declared);
  // A physical name over its AWS limit cannot be deployed: refused before any AWS call.
  const tooLong = checkNameLengths(config, declared);
  if (tooLong.length > 0) throw new PreflightError([...problems, ...tooLong]);
  const account = await checkCredentials(clients.sts, config, problems);
  const bucketUsable = !exampleFields(config).includes('artifactBucket') && checkBucketName(config.artifactBucket, 'artifactBucket').length === 0;
  let bucketExists: boolean | undefined;
  if (account !== undefined && bucketUsable) {
    try {
      bucketExists = await checkArtifactBucket({ s3: clients.s3, bucket: config.artifactBucket, region: config.region, account });
    } catch (error) {
      problems.push(messageOf(error));
    }
  }
  if (problems.length > 0 || account === undefined || bucketExists === undefined) throw new PreflightError(problems);
  return { account, bucketExists };
}

/** Options of {@link publishEnvironment}. */
export interface PublishEnvironmentOptions extends PublishPreflightOptions {
  readonly distDir: string;
  readonly reporter?: Reporter;
  /** Put the TLS-only policy on a bucket publish creates (see `PublishOptions`). @default true */
  readonly tlsOnlyPolicy?: boolean;
  /** Builds the artifacts into `distDir` (tests pass a stand-in). @default buildArtifacts */
  readonly build?: (options: ArtifactBuildOptions) => Promise<ArtifactBuild>;
}

/** Result of {@link publishEnvironment}. */
export interface PublishEnvironmentResult extends PublishResult {
  readonly build: ArtifactBuild;
}

/**
 * `bellflower publish`: {@link publishPreflight}, then the build (templates, the environment's
 * definition, handler zips), then the upload and `dist/manifests/<env>.json`.
 */
export async function publishEnvironment(options: PublishEnvironmentOptions): Promise<PublishEnvironmentResult> {
  const { config, clients, distDir } = options;
  const reporter = options.reporter ?? silentReporter;
  const checked = await publishPreflight(options);
  reporter.info(
    `preflight ok: account ${checked.account}, region ${config.region}, artifact bucket s3://${config.artifactBucket} ${checked.bucketExists ? 'exists' : 'is created after the build'}`,
  );
  reporter.progress('publish: building (synth + handler zips)');
  const build = await (options.build ?? buildArtifacts)(environmentBuildOptions(config, distDir));
  reporter.info(
    `build: templates ${build.synthesized ? 'synthesized' : 'unchanged'}, handler zips ${build.code.built.length} built, ${build.code.reused.length} unchanged`,
  );
  const result = await publish(
    publishOptions({
      config,
      clients,
      distDir,
      reporter,
      account: checked.account,
      ...(options.tlsOnlyPolicy !== undefined ? { tlsOnlyPolicy: options.tlsOnlyPolicy } : {}),
    }),
  );
  return { ...result, build };
}
