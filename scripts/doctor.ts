/**
 * `bellflower doctor`: Node.js, configuration, region, endpoint, credentials, artifact bucket and
 * the freshness of the builds, one line each with ok, warn or fail and the fix; exit code 1 when a
 * check fails.
 */
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions, withJsonOption } from './cli/command';

/** `bellflower doctor`. */
export const command: BellflowerCommand<EnvironmentFlags & { json?: boolean }> = {
  name: 'doctor',
  options: (command) =>
    withJsonOption(withEnvironmentOptions(command.description('Check what the commands need: Node.js, the environment\'s config file and region, the endpoint, the credentials (STS), the artifact bucket, and whether dist/cli and the handler zips match the sources')))
      .addHelpText('after', '\nEach check prints ok, warn or fail, and for warn and fail the fix. Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 usage error.'),
  run: async ({ flags }) => {
    const { runDoctor, doctorLines } = await import('./lib/deployment/doctor');
    const { configDirOf, distDirOf, DEFAULT_DIST_DIR } = await import('./lib/core/paths');
    const { printJson } = await import('./lib/core/output');
    const configDir = configDirOf(flags);
    const checks = await runDoctor({
      env: flags.env,
      ...(configDir !== undefined ? { configDir } : {}),
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
      distDir: distDirOf(flags) ?? DEFAULT_DIST_DIR,
    });
    const ok = !checks.some((check) => check.status === 'fail');
    if (flags.json) printJson({ environment: flags.env, ok, checks });
    else for (const line of doctorLines(checks)) console.log(line);
    if (!ok) process.exitCode = 1;
  },
};
