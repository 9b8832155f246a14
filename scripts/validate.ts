/**
 * `bellflower validate`: cfn-lint, the cdk-nag packs and the configuration preflight on the
 * templates this tree synthesizes for an environment, findings grouped by checker; exit code 1
 * when any is an error. Sends nothing to AWS.
 */
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions, withJsonOption } from './cli/command';

/** `bellflower validate`. */
export const command: BellflowerCommand<EnvironmentFlags & { json?: boolean }> = {
  name: 'validate',
  options: (command) =>
    withJsonOption(withEnvironmentOptions(command.description('Check the synthesized templates with cfn-lint and the cdk-nag packs (AwsSolutions, Serverless), and the environment\'s configuration with the publish preflight; sends nothing to AWS'))).addHelpText(
      'after',
      '\nExit codes: 0 no error finding (warnings are shown), 1 an error finding or a checker that cannot run (cfn-lint missing: pipx install cfn-lint), 2 usage error.\nThe credentials and the artifact bucket are checked by `bellflower doctor`.',
    ),
  run: async ({ flags }) => {
    const { loadConfig } = await import('./lib/core/config');
    const { sharedConfigRegions } = await import('./lib/core/aws');
    const { configDirOf } = await import('./lib/core/paths');
    const { validate, validationLines } = await import('./lib/deployment/validate');
    const { printJson } = await import('./lib/core/output');
    const configDir = configDirOf(flags);
    let config: ReturnType<typeof loadConfig> | Error;
    try {
      config = loadConfig({
        env: flags.env,
        ...(configDir !== undefined ? { configDir } : {}),
        ...(flags.region !== undefined ? { region: flags.region } : {}),
        ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
        profileRegions: await sharedConfigRegions(),
      });
    } catch (error) {
      config = error instanceof Error ? error : new Error(String(error));
    }
    process.stderr.write(`validate: synthesizing and checking the templates for ${flags.env} (cfn-lint, cdk-nag, preflight)\n`);
    const result = await validate({ config });
    if (flags.json) printJson({ environment: flags.env, ...result });
    else for (const line of validationLines(result)) console.log(line);
    if (!result.ok) process.exitCode = 1;
  },
};
