/**
 * `bellflower start-execution [--env devl --input '{...}']`: starts an execution of the deployed
 * state machine (found from the root stack's outputs, or `--state-machine-arn` as given), prints
 * its ARN, then the execution id once `outbound/<id>/` is written.
 */
import { Option } from 'commander';
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions, withJsonOption } from './cli/command';

interface StartFlags extends EnvironmentFlags {
  readonly input?: string;
  readonly inputFile?: string;
  readonly name?: string;
  readonly wait: number;
  readonly stateMachineArn?: string;
  readonly bucket?: string;
  readonly json?: boolean;
}

/** `bellflower start-execution`. */
export const command: BellflowerCommand<StartFlags> = {
  name: 'start-execution',
  options: (command) =>
    withJsonOption(
    withEnvironmentOptions(command.description('Start an execution of the deployed state machine and print its ARN and execution id')),
  )
    .option('--input <json>', 'execution input: a JSON object, or - to read it from standard input (default {})')
    .addOption(new Option('--input-file <path>', 'read the execution input (a JSON object) from a file').conflicts('input'))
    .option('--name <name>', 'execution name (default: generated)')
    .option('--wait <seconds>', 'how long to wait for the outbound files (0: do not wait for the execution id)', numberArgument('--wait', { unit: 'seconds' }), 120)
    .option('--state-machine-arn <arn>', 'the state machine to start, used as is (default: from the root stack outputs)')
    .option('--bucket <name>', 'integration bucket holding outbound/<id>/ (default: from the root stack outputs)'),
  run: async ({ flags }) => {
    // The input is checked as the definition needs it (a JSON object, at most 256 KiB) before AWS is called.
    const { readExecutionInput } = await import('./lib/local/input');
    const { checkExecutionInputSize } = await import('./lib/local/limits');
    const input = await readExecutionInput(flags);
    checkExecutionInputSize(input);
    const { commandContext, findDeployment } = await import('./cli/context');
    const { startExecution, waitForExecutionId } = await import('./lib/workflow/execution');
    const { printJson } = await import('./lib/core/output');
    const context = await commandContext(flags);
    const { clients } = context;
    const deployment =
      flags.stateMachineArn !== undefined && flags.wait === 0
        ? { stateMachineArn: flags.stateMachineArn, bucket: flags.bucket }
        : await findDeployment(context, {
            ...(flags.stateMachineArn !== undefined ? { stateMachineArn: flags.stateMachineArn } : {}),
            ...(flags.bucket !== undefined ? { bucket: flags.bucket } : {}),
          });
    const executionArn = await startExecution({ sfn: clients.sfn, stateMachineArn: deployment.stateMachineArn, input, name: flags.name });
    if (!flags.json) console.log(`execution: ${executionArn}`);
    if (flags.wait === 0 || deployment.bucket === undefined) {
      if (flags.json) printJson({ executionArn });
      return;
    }
    const executionId = await waitForExecutionId({
      sfn: clients.sfn,
      s3: clients.s3,
      bucket: deployment.bucket,
      executionArn,
      timeoutMs: flags.wait * 1000,
    });
    const outbound = `s3://${deployment.bucket}/outbound/${executionId}/`;
    if (flags.json) {
      printJson({ executionArn, executionId, bucket: deployment.bucket, outbound });
      return;
    }
    console.log(`execution id: ${executionId}`);
    console.log(`outbound files: ${outbound}`);
    console.log(`answer with: bellflower respond ${executionId} --env ${flags.env} [--failure "reason"]`);
    console.log(`follow with: bellflower watch ${executionArn} --env ${flags.env}`);
  },
};

