/**
 * `bellflower publish` (`npm run publish`): checks the configuration, every parameter and the
 * artifact bucket (read only) first, then synth + build into dist/, then uploads to the artifact
 * bucket and writes dist/manifests/<env>.json.
 */
import { Command } from 'commander';
import { parseCommand, run, withCommonOptions, type CommonFlags } from './lib/cli/command';

const program = withCommonOptions(
  new Command('publish').description('Build, then upload templates, code and the state machine definition to the artifact bucket'),
).action((flags: CommonFlags) =>
  run('publish', async () => {
    const { commandContext, publishOptions } = await import('./lib/cli/cli');
    const { buildArtifacts, publish } = await import('./lib/deployment/publish');
    const { publishPreflight } = await import('./lib/deployment/deploy');
    const { config, clients, distDir, plainHttp, reporter, target } = await commandContext(flags);
    await publishPreflight({ config, clients, account: target.account });
    reporter.progress('publish: building (synth + handler zips)');
    const build = await buildArtifacts({
      distDir,
      callbackTimeoutSeconds: config.callbackTimeoutSeconds,
      callbackHeartbeatSeconds: config.callbackHeartbeatSeconds,
    });
    reporter.info(
      `build: templates ${build.synthesized ? 'synthesized' : 'unchanged'}, handler zips ${build.code.built.length} built, ${build.code.reused.length} unchanged`,
    );
    const result = await publish(publishOptions({ config, clients, distDir, tlsOnlyPolicy: !plainHttp, reporter }));
    console.log(
      `published ${result.manifest.artifacts.length} artifacts to s3://${config.artifactBucket}/${config.keyPrefix}/ (${result.uploaded.length} uploaded, ${result.unchanged.length} unchanged); manifest: ${result.manifestFile}`,
    );
  }),
);

await parseCommand(program);
