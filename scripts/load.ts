/**
 * `bellflower load`: N executions of the deployed workflow (or of the emulator's) at a concurrency
 * or a rate, each answered as the business application would, then the figures (throughput,
 * latency, time per stage), the errors by type and the conservation check. Refuses a
 * production-looking deployment without `--yes`; deletes what it wrote unless `--keep`. Ctrl-C
 * stops the starts, waits `--drain` seconds for the running executions (then stops them), reports
 * what ran and exits 130.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions, withJsonOption } from './cli/command';
import { BellflowerError, InterruptedError, UsageError } from './lib/core/errors';

interface LoadFlags extends EnvironmentFlags {
  readonly executions: number;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly input?: string;
  readonly inputFile?: string;
  readonly answer: 'success' | 'failure' | 'mix' | false;
  readonly answerDelay: number;
  readonly timeout: number;
  readonly drain: number;
  readonly poll: number;
  readonly readRate: number;
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly yes?: boolean;
  readonly keep?: boolean;
  readonly json?: boolean;
}

/** A name that looks like a production environment's (`prod`, `production`, `prd` between separators). */
export const PRODUCTION_NAME = /(^|[^a-z0-9])(prod|production|prd)([^a-z0-9]|$)/i;

/** The load failed its conservation check. */
export class ConservationError extends BellflowerError {
  override readonly name = 'ConservationError';
}

/** The progress line: a bar of the ended executions, then the counts. */
export function progressLine(progress: { total: number; started: number; answered: number; ended: number; errors: number }): string {
  const width = 24;
  const filled = progress.total ? Math.round((progress.ended / progress.total) * width) : 0;
  return `load [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.ended}/${progress.total} ended, ${progress.started} started, ${progress.answered} answered, ${progress.errors} errors`;
}

/** `bellflower load`. */
export const command: BellflowerCommand<LoadFlags> = {
  name: 'load',
  options: (command) =>
    withJsonOption(withEnvironmentOptions(command.description('Run N executions at a concurrency or a rate, answer each, and report throughput, latency per stage and the conservation check')))
      .option('--executions <n>', 'how many executions to start', numberArgument('--executions', { integer: true, min: 1 }), 10)
      .addOption(new Option('--concurrency <n>', 'at most this many executions running at once (default 10)').argParser(numberArgument('--concurrency', { integer: true, min: 1 })).conflicts('rate'))
      .addOption(new Option('--rate <per-second>', 'start this many executions per second instead, whatever is running').argParser(numberArgument('--rate', { min: 0.001 })))
      .option('--input <json>', 'execution input of every execution: a JSON object, or - to read it from standard input (default {})')
      .addOption(new Option('--input-file <path>', 'read the execution input (a JSON object) from a file').conflicts('input'))
      .addOption(new Option('--answer <kind>', 'how the business application answers: success, failure, or mix (every third a failure)').choices(['success', 'failure', 'mix']).default('success'))
      .option('--no-answer', 'never answer: every execution waits for its callback timeout')
      .option('--answer-delay <seconds>', 'wait this long after the outbound files appear before answering', numberArgument('--answer-delay', { unit: 'seconds' }), 0)
      .option('--timeout <seconds>', 'longest wait for one execution, start to end; then the load stops it (with --no-answer, set it above the callback timeout)', numberArgument('--timeout', { min: 1, unit: 'seconds' }), 300)
      .option('--drain <seconds>', 'after Ctrl-C, how long the running executions may take to end before the load stops them', numberArgument('--drain', { unit: 'seconds' }), 30)
      .option('--poll <seconds>', "seconds between two reads of an execution's status", numberArgument('--poll', { min: 0.01, unit: 'seconds' }), 0.5)
      .option('--read-rate <per-second>', 'at most this many DescribeExecution and as many GetExecutionHistory calls a second (Step Functions throttles them at 15 and 20 a second)', numberArgument('--read-rate', { min: 0.1 }), 10)
      .option('--role-arn <arn>', 'answer as the business application: assume this role (output BellflowerBusinessApplicationRoleArn)')
      .option('--external-id <id>', 'external id to pass when assuming --role-arn (BusinessApplicationExternalId)')
      .option('--yes', 'run even against a deployment that looks like production')
      .option('--keep', 'keep the outbound and inbound files of the load (default: delete them)'),
  run: async ({ flags }) => {
    if (flags.externalId !== undefined && flags.roleArn === undefined) throw new UsageError('--external-id needs --role-arn');
    const { readExecutionInput } = await import('./lib/local/input');
    const { checkExecutionInputSize } = await import('./lib/local/limits');
    const input = await readExecutionInput(flags);
    checkExecutionInputSize(input);

    const { commandContext } = await import('./cli/context');
    const { configFilePath } = await import('./lib/core/config');
    const { deployedOutputs } = await import('./lib/deployment/outputs');
    const { deploymentTarget } = await import('./lib/workflow/execution');
    const { ROOT_OUTPUTS } = await import('../templates/names');
    const context = await commandContext(flags);
    const { clients, config, reporter } = context;
    if (config.production && !flags.yes) {
      throw new UsageError(
        `refusing to load environment "${config.environment}" ("production": true in ${configFilePath(config)}; it would start real executions and write to its bucket): add --yes if you mean it`,
      );
    }
    const { outputs } = await deployedOutputs({ cloudFormation: clients.cloudFormation, env: config.environment, stackName: config.rootStackName, region: config.region, distDir: context.distDir, reporter });
    const target = deploymentTarget(outputs, config.environment);
    const productionLike = [config.rootStackName, target.stateMachineArn.replace(/^.*:/, ''), target.bucket].find((name) => PRODUCTION_NAME.test(name));
    if (productionLike !== undefined && !flags.yes) {
      throw new UsageError(`refusing to load "${productionLike}": it looks like production (it would start real executions and write to its bucket); add --yes if you mean it`);
    }

    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    const { assumeRoleOptions, createAwsClients } = await import('./lib/core/aws');
    const awsOptions = { region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) };
    // The client's own endpoint (AWS_ENDPOINT_URL on an emulator), not the host in the queue URL the stack returns.
    const sqs = new SQSClient({ ...awsOptions, maxAttempts: 5, useQueueUrlAsEndpoint: false });
    const lambda = new LambdaClient({ ...awsOptions, maxAttempts: 5 });
    const answerS3 = flags.roleArn === undefined ? clients.s3 : createAwsClients(assumeRoleOptions(awsOptions, { roleArn: flags.roleArn, ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}) })).s3;

    const { paceExecutionReads, runLoad } = await import('./lib/load/run');
    paceExecutionReads(clients.sfn, flags.readRate);
    const { cleanUp, conservation, loadFigures, observeBucket, pathQueues, reportLines, settledQueues } = await import('./lib/load/report');
    const callbackQueueUrl = outputs[ROOT_OUTPUTS.sqsQueueUrl];
    if (!callbackQueueUrl) throw new UsageError(`the stack outputs of "${config.environment}" have no ${ROOT_OUTPUTS.sqsQueueUrl}: deploy again`);
    const functionArns = [outputs[ROOT_OUTPUTS.processingLambdaArn], outputs[ROOT_OUTPUTS.integrationLambdaArn]].filter((arn): arn is string => Boolean(arn));
    const queueUrls = await pathQueues({ sqs, lambda }, callbackQueueUrl, functionArns);
    const before = await observeBucket(clients.s3, target.bucket);

    const controller = new AbortController();
    const onInterrupt = (): void => {
      // A second Ctrl-C does not wait.
      if (controller.signal.aborted) process.exit(130);
      reporter.info(`interrupted: no more executions start; waiting up to ${flags.drain} s for the running ones (Ctrl-C again to quit now)`);
      controller.abort();
    };
    process.on('SIGINT', onInterrupt);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    let run;
    try {
      run = await runLoad({
        sfn: clients.sfn,
        answerS3,
        stateMachineArn: target.stateMachineArn,
        bucket: target.bucket,
        executions: flags.executions,
        pace: flags.rate !== undefined ? { rate: flags.rate } : { concurrency: flags.concurrency ?? 10 },
        input,
        answer: flags.answer === false ? 'none' : flags.answer,
        answerDelayMs: flags.answerDelay * 1000,
        executionTimeoutMs: flags.timeout * 1000,
        drainMs: flags.drain * 1000,
        pollMs: flags.poll * 1000,
        signal: controller.signal,
        namePrefix: `load-${stamp}-${Math.random().toString(36).slice(2, 6)}`,
        onProgress: (progress) => reporter.progress(progressLine(progress)),
      });
    } finally {
      process.off('SIGINT', onInterrupt);
      reporter.progressDone();
    }
    const after = await observeBucket(clients.s3, target.bucket);
    const checks = conservation({ records: run.records, before, after, queues: await settledQueues(sqs, queueUrls) });
    const ids = run.records.flatMap((record) => (record.executionId ? [record.executionId] : []));
    const cleanup = flags.keep ? ({ kept: true } as const) : { deletedObjects: await cleanUp(clients.s3, target.bucket, ids) };
    const report = { ...loadFigures(run), conservation: checks, clean: checks.every((check) => check.ok), cleanup, peakMemoryMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
    if (flags.json) {
      const { printJson } = await import('./lib/core/output');
      printJson(report);
    } else {
      for (const line of [...reportLines(report), `peak memory of the load (max RSS): ${report.peakMemoryMiB} MiB`]) console.log(line);
    }
    if (run.interrupted) throw new InterruptedError(`interrupted after ${report.executions.started} of ${flags.executions} executions started`);
    if (!report.clean) throw new ConservationError(`the conservation check failed: ${checks.filter((check) => !check.ok).map((check) => check.check).join('; ')}`);
  },
};
