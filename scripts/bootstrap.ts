/**
 * `bellflower bootstrap` (`npm run bootstrap`): the KMS key, its alias and the artifact bucket (the bootstrap stack, or
 * adopted), recorded in config/<env>.local.json for publish and deploy. `--guided` asks for what it
 * cannot infer; every question has a flag.
 */
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions } from './cli/command';
import { configDirOf } from './lib/core/paths';
import { terminalReporter } from './lib/core/reporter';

interface BootstrapFlags extends EnvironmentFlags {
  readonly email?: string;
  readonly businessApplicationPrincipal?: string;
  readonly bucket?: string;
  readonly guided: boolean;
  readonly yes: boolean;
  readonly replaceFailed: boolean;
}

/** `bellflower bootstrap`. */
export const command: BellflowerCommand<BootstrapFlags> = {
  name: 'bootstrap',
  options: (command) =>
    withEnvironmentOptions(
    command.description('Create (or adopt) the KMS key, its alias and the artifact bucket, and record them for publish and deploy'),
  )
    .option('--email <address>', 'e-mail address that receives the results and alarms (config "subscriptionEmail")')
    .option('--business-application-principal <account id or ARN>', "the business application's AWS account id or IAM ARN")
    .option('--bucket <name>', 'artifact bucket name (default: the configured one, else bellflower-artifacts-<account>-<region>-<env>)')
    .option('--guided', 'ask for each value, with the current one as default (needs a terminal)', false)
    .option('-y, --yes', 'ask nothing: flags and defaults only', false)
    .option('--replace-failed', 'delete and re-create a bootstrap stack left in ROLLBACK_COMPLETE', false),
  run: async ({ flags }) => {
    const { awsTarget, checkEndpointVariables, createAwsClients, endpointDescription, sharedConfigRegions, targetLine } = await import('./lib/core/aws');
    const { nodeSupportNoticeOnce } = await import('./lib/core/node-notice');
    const { bootstrap, bootstrapStackName } = await import('./lib/deployment/bootstrap');
    const { defaultAnswers, isInteractive, resolveAnswers, terminalPrompts } = await import('./lib/deployment/bootstrap-questions');
    const { loadConfig } = await import('./lib/core/config');
    const reporter = terminalReporter();
    checkEndpointVariables();
    const interactive = isInteractive(flags);
    if (flags.guided && !interactive) reporter.info(flags.yes ? '--yes: asking nothing' : 'no terminal: asking nothing (flags and defaults only)');
    const configDir = configDirOf(flags);
    const paths = configDir !== undefined ? { configDir } : {};
    const loaded = loadConfig({
      env: flags.env,
      ...paths,
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
      profileRegions: await sharedConfigRegions(),
    });
    const answers = await resolveAnswers({ flags, defaults: defaultAnswers(loaded), interactive });
    // The profile is the answer's (a guided run may clear it), not the configuration's.
    const { profile: _profile, ...withoutProfile } = loaded;
    const config = {
      ...withoutProfile,
      region: answers.region,
      ...(answers.profile !== undefined ? { profile: answers.profile } : {}),
      subscriptionEmail: answers.email,
      ...(answers.businessApplicationPrincipal !== undefined ? { businessApplicationPrincipal: answers.businessApplicationPrincipal } : {}),
    };
    const clients = createAwsClients({ region: config.region, ...(answers.profile !== undefined ? { profile: answers.profile } : {}) });
    const notice = nodeSupportNoticeOnce();
    if (notice) reporter.info(notice);
    const target = await awsTarget(clients, { endpoint: endpointDescription(config.region), ...(answers.profile !== undefined ? { profile: answers.profile } : {}) });
    reporter.info(targetLine(target, answers.region === loaded.region ? loaded.regionSource : 'the answer'));
    const result = await bootstrap({
      config,
      clients,
      reporter,
      replaceFailed: flags.replaceFailed,
      ...paths,
      ...(flags.bucket !== undefined ? { bucket: flags.bucket } : {}),
      record: {
        region: answers.region,
        subscriptionEmail: answers.email,
        ...(answers.profile !== undefined ? { profile: answers.profile } : {}),
        ...(answers.businessApplicationPrincipal !== undefined ? { businessApplicationPrincipal: answers.businessApplicationPrincipal } : {}),
      },
      ...(interactive ? { confirm: () => terminalPrompts.confirm({ message: `Deploy ${bootstrapStackName(config.environment)} now?`, default: true }) } : {}),
    });
    for (const [field, value] of Object.entries(result.recorded)) console.log(`${field} = ${value}`);
    console.log(`recorded in ${result.configFile}${result.configChanged ? '' : ' (unchanged)'}; next: bellflower publish --env ${config.environment}`);
  },
};

