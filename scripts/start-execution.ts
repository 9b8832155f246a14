/**
 * `npm run start-execution [-- --env devl --input '{...}']`: starts an execution of the deployed
 * state machine, prints its ARN, then the execution id once `outbound/<id>/` is written.
 */
import { Command } from 'commander';
import { deploymentContext, withEnvironmentOptions, type EnvironmentFlags } from './lib/cli';
import { numberArgument, parseJsonFlag, run } from './lib/command';
import { startExecution, waitForExecutionId } from './lib/execution';

const program = withEnvironmentOptions(
  new Command('start-execution').description('Start an execution of the deployed state machine and print its ARN and execution id'),
)
  .option('--input <json>', 'execution input (JSON)', '{}')
  .option('--name <name>', 'execution name (default: generated)')
  .option('--wait <seconds>', 'how long to wait for the outbound files', numberArgument('--wait', { unit: 'seconds' }), 120)
  .action((flags: EnvironmentFlags & { input: string; name?: string; wait: number }) =>
    run('start-execution', async () => {
      const input = parseJsonFlag('--input', flags.input);
      const { clients, target } = deploymentContext(flags);
      const executionArn = await startExecution({ sfn: clients.sfn, stateMachineArn: target.stateMachineArn, input, name: flags.name });
      console.log(`execution: ${executionArn}`);
      const executionId = await waitForExecutionId({
        sfn: clients.sfn,
        s3: clients.s3,
        bucket: target.bucket,
        executionArn,
        timeoutMs: flags.wait * 1000,
      });
      console.log(`execution id: ${executionId}`);
      console.log(`outbound files: s3://${target.bucket}/outbound/${executionId}/`);
      console.log(`answer with: npm run respond -- ${executionId} --env ${flags.env} [--failure "reason"]`);
      console.log(`follow with: npm run watch -- ${executionArn} --env ${flags.env}`);
    }),
  );

await program.parseAsync();
