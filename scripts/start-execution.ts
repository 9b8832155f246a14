/**
 * `npm run start-execution [-- --env devl --input '{...}']`: starts an execution of the deployed
 * state machine, prints its ARN, then the execution id once `outbound/<id>/` is written.
 */
import { Command } from 'commander';
import { deploymentContext, runCommand, startExecution, waitForExecutionId } from './lib/execution';

const program = new Command('start-execution')
  .description('Start an execution of the deployed state machine and print its ARN and execution id')
  .option('-e, --env <env>', 'environment (config/<env>.json, dist/outputs/<env>.json)', 'devl')
  .option('--input <json>', 'execution input (JSON)', '{}')
  .option('--name <name>', 'execution name (default: generated)')
  .option('--wait <seconds>', 'how long to wait for the outbound files', '120')
  .option('--region <region>', 'AWS region (default: from the config file)')
  .option('--profile <profile>', 'AWS profile')
  .parse();

const options = program.opts<{ env: string; input: string; name?: string; wait: string; region?: string; profile?: string }>();

await runCommand('start-execution', async () => {
  let input: unknown;
  try {
    input = JSON.parse(options.input);
  } catch {
    throw new Error(`--input is not valid JSON: ${options.input}`);
  }
  const waitSeconds = Number(options.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error(`--wait must be a number of seconds, got ${options.wait}`);
  const context = deploymentContext(options);
  const executionArn = await startExecution({ sfn: context.sfn, stateMachineArn: context.stateMachineArn, input, name: options.name });
  console.log(`execution: ${executionArn}`);
  const executionId = await waitForExecutionId({ ...context, executionArn, timeoutMs: waitSeconds * 1000 });
  console.log(`execution id: ${executionId}`);
  console.log(`outbound files: s3://${context.bucket}/outbound/${executionId}/`);
  console.log(`answer with: npm run respond -- ${executionId} --env ${options.env} [--failure "reason"]`);
  console.log(`follow with: npm run watch -- ${executionArn} --env ${options.env}`);
});
