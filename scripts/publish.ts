/**
 * `bellflower publish` (`npm run publish`): a preflight that builds and writes nothing (example
 * values, parameters, credentials, the artifact bucket read-only), then synth + build into dist/,
 * then the upload to the artifact bucket and dist/manifests/<env>.json.
 */
import { type BellflowerCommand, type CommonFlags, withCommonOptions } from './cli/command';

/** `bellflower publish`. */
export const command: BellflowerCommand<CommonFlags> = {
  name: 'publish',
  options: (command) =>
    withCommonOptions(
      command.description(
        'Check the configuration, parameters, credentials and artifact bucket (changing nothing), then build and upload templates, code and the state machine definition, and write dist/manifests/<env>.json for deploy',
      ),
    ).addHelpText(
      'after',
      [
        '',
        'Refused before the build and before any write: the shipped example values, a',
        "--parameter or config parameter outside the templates' constraints, a bucket",
        'name S3 refuses, an artifact bucket of another account or region. No',
        '--parameter changes what publish builds (CloudFormation receives them at',
        'deploy); the definition takes callbackTimeoutSeconds and',
        'callbackHeartbeatSeconds from config/<env>.json.',
      ].join('\n'),
    ),
  run: async ({ flags }) => {
    const { commandContext } = await import('./cli/context');
    const { publishEnvironment, refuseLongNames } = await import('./lib/deployment/publish-preflight');
    const { displayPath } = await import('./lib/core/paths');
    const { config, clients, distDir, plainHttp, reporter } = await commandContext(flags, { refuse: refuseLongNames });
    const result = await publishEnvironment({ config, clients, distDir, tlsOnlyPolicy: !plainHttp, reporter });
    console.log(
      `published ${result.manifest.artifacts.length} artifacts to s3://${config.artifactBucket}/${config.keyPrefix}/ (${result.uploaded.length} uploaded, ${result.unchanged.length} unchanged); manifest: ${displayPath(result.manifestFile)}`,
    );
  },
};
