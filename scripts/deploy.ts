/**
 * `bellflower deploy` (`npm run deploy`): preflight, cross stack, root stack (change sets), outputs
 * in dist/outputs/<env>.json. IAM and security changes are shown and asked about first
 * (`--require-approval`); `--no-execute` keeps the change sets for review, `--change-set` executes them.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type CfnRoleFlags, type CommonFlags, withCfnRoleOption, withCommonOptions, withJsonOption } from './cli/command';
import { UsageError } from './lib/core/errors';

interface DeployFlags extends CommonFlags, CfnRoleFlags {
  readonly replaceFailed: boolean;
  readonly requireApproval: 'never' | 'broadening' | 'any-change';
  readonly rollback: boolean;
  readonly execute: boolean;
  readonly changeSet?: string;
  readonly json?: boolean;
  readonly publish: boolean;
  readonly resetParameter: readonly string[];
  readonly tags?: readonly string[];
  readonly resetTag: readonly string[];
  readonly sourceCheck: boolean;
}

/** `bellflower deploy`. */
export const command: BellflowerCommand<DeployFlags> = {
  name: 'deploy',
  options: (command) =>
    withCfnRoleOption(withJsonOption(
    withCommonOptions(command.description('Deploy the cross stack, then the root stack, from the last publish, through change sets')),
  ))
    .option('--replace-failed', 'delete and re-create a stack left in ROLLBACK_COMPLETE', false)
    .addOption(
      new Option('--require-approval <level>', 'which changes a person must approve at the terminal (refused without one, unless never)')
        .choices(['never', 'broadening', 'any-change'])
        .default('broadening', 'broadening: IAM, KMS, policies and security properties; any-change for a "production": true environment'),
    )
    .option('--no-rollback', 'keep what was created or updated when the deploy fails (to debug it); deploy again once fixed')
    .option('--no-execute', 'create the change sets and keep them for review (bellflower diff --change-set <name>); nothing changes')
    .option('--change-set <name>', 'execute the change sets of that name kept by --no-execute, instead of creating new ones (none of that name: an error)')
    .option('--publish', 'publish first (build and upload what changed: content-addressed, an unchanged tree uploads nothing), then deploy', false)
    .option(
      '--reset-parameter <Key>',
      "put a parameter back to the template's default (repeatable); without it a parameter given by an earlier deploy keeps its value",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--tags <Key=Value...>',
      'stack tags besides ProjectName and Environment (repeatable; over "tags" in config/<env>.json); CloudFormation propagates them to the resources, and a later deploy keeps them',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--reset-tag <Key>',
      'remove a stack tag an earlier deploy set (repeatable); without it a tag given once is kept',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(new Option('--no-source-check', 'deploy the build in --dist as it is, without comparing the sources (tests of stand-in builds)').hideHelp())
    .addHelpText(
      'after',
      [
        '',
        'Deploy refuses a tree that differs from the last publish of the environment (a',
        'handler or template edited since), naming what changed; --publish does both.',
        'A parameter neither in config/<env>.json nor on the command line keeps the',
        "stack's value (UsePreviousValue, said in the output) until --reset-parameter;",
        'a stack tag likewise until --reset-tag.',
      ].join('\n'),
    ),
  run: async ({ flags, parsed }) => {
    if (flags.changeSet !== undefined && !flags.execute) throw new UsageError('--change-set executes a kept change set; it cannot go with --no-execute');
    if (flags.changeSet !== undefined && flags.publish) throw new UsageError('--change-set executes a kept change set made from an earlier publish; it cannot go with --publish');
    const { commandContext } = await import('./cli/context');
    const { deploy } = await import('./lib/deployment/deploy');
    const { approvalGate, approvalLevel } = await import('./lib/deployment/approval');
    const { configFilePath } = await import('./lib/core/config');
    const { CHANGE_SET_NAME, newChangeSetName } = await import('./lib/deployment/stacks');
    const { refuseLongNames } = await import('./lib/deployment/publish-preflight');
    const { confirm } = await import('./cli/command');
    const { colorsFor, printJson } = await import('./lib/core/output');
    if (flags.changeSet !== undefined && !CHANGE_SET_NAME.test(flags.changeSet)) {
      throw new UsageError(`--change-set "${flags.changeSet}" is not a change set name (a letter, then letters, digits and "-")`);
    }
    const { config, clients, distDir, plainHttp, reporter, target } = await commandContext(flags, { cfnRole: true, refuse: refuseLongNames });
    // Ctrl-C: say which stack is in which state and what to do, not only "interrupted".
    const { reportInterruptedDeploy } = await import('./lib/deployment/interrupt');
    const steps = reportInterruptedDeploy(clients.cloudFormation, [config.crossStackName, config.rootStackName]);
    const colors = colorsFor(process.stderr);
    const { buildArtifacts, environmentBuildOptions } = await import('./lib/deployment/publish');
    if (flags.publish) {
      const { publishEnvironment } = await import('./lib/deployment/publish-preflight');
      const published = await publishEnvironment({ config, clients, distDir, tlsOnlyPolicy: !plainHttp, reporter });
      reporter.info(`published ${published.manifest.artifacts.length} artifacts (${published.uploaded.length} uploaded, ${published.unchanged.length} unchanged)`);
    }
    const changeSetName = flags.execute ? undefined : newChangeSetName();
    const approvalIsDefault = parsed.getOptionValueSource('requireApproval') === 'default';
    const result = await deploy({
      config,
      clients,
      distDir,
      reporter,
      replaceFailed: flags.replaceFailed,
      resetParameters: flags.resetParameter,
      resetTags: flags.resetTag,
      onStep: (step) => steps.set(step.stackName, step),
      // A kept change set runs what was published when it was made; otherwise the tree must be the published one.
      ...(flags.changeSet === undefined && !flags.publish && flags.sourceCheck ? { rebuild: () => buildArtifacts(environmentBuildOptions(config, distDir)) } : {}),
      changeSets: {
        execute: flags.execute,
        disableRollback: !flags.rollback,
        ...(changeSetName !== undefined ? { changeSetName } : {}),
        ...(flags.changeSet !== undefined ? { existingChangeSet: flags.changeSet } : {}),
        approve: approvalGate({
          level: approvalLevel(flags.requireApproval, approvalIsDefault, config),
          ...(approvalIsDefault && config.production ? { levelReason: `"production": true in ${configFilePath(config)}: every change is asked about` } : {}),
          cloudFormation: clients.cloudFormation,
          reporter,
          interactive: Boolean(process.stdin.isTTY),
          ask: confirm,
          highlight: (change, line) => (change.security ? colors.red(line) : change.action === 'Add' ? colors.green(line) : colors.yellow(line)),
        }),
      },
    });
    const stacks = [result.cross, ...(result.root ? [result.root] : [])];
    if (flags.json) {
      printJson({
        account: target.account,
        region: config.region,
        environment: config.environment,
        stacks: stacks.map(({ stackName, action, changeSetName: name }) => ({ stackName, action, ...(name ? { changeSetName: name } : {}) })),
        outputs: result.outputs,
        ...(result.outputsFile ? { outputsFile: result.outputsFile } : {}),
      });
      return;
    }
    for (const [key, value] of Object.entries(result.outputs)) console.log(`${key} = ${value}`);
    if (result.outputsFile) console.log(`outputs written to ${result.outputsFile}`);
    if (!flags.execute && stacks.some((stack) => stack.action === 'change-set-kept')) {
      console.log(`change sets kept as ${changeSetName}: review with \`bellflower diff --env ${config.environment} --change-set ${changeSetName}\`, execute with \`bellflower deploy --env ${config.environment} --change-set ${changeSetName}\``);
    }
  },
};

