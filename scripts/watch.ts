/**
 * `npm run watch -- <execution-arn-or-name>`: follows an execution of the deployed state machine
 * until it ends, printing the same timeline as `npm run local`. Exits non-zero unless it succeeded.
 */
import { Command } from 'commander';
import { deploymentContext, executionArnOf, followExecution, HistoryTimeline, runCommand } from './lib/execution';
import { formatEntry } from './lib/local/timeline';

const program = new Command('watch')
  .description('Follow an execution to its end and print its timeline')
  .argument('<execution>', 'execution ARN, or execution name (resolved against the deployed state machine)')
  .option('-e, --env <env>', 'environment (config/<env>.json, dist/outputs/<env>.json)', 'devl')
  .option('--poll <seconds>', 'seconds between two reads of the history', '2')
  .option('--region <region>', 'AWS region (default: from the config file)')
  .option('--profile <profile>', 'AWS profile')
  .parse();

const options = program.opts<{ env: string; poll: string; region?: string; profile?: string }>();
const [execution = ''] = program.args;

await runCommand('watch', async () => {
  const pollSeconds = Number(options.poll);
  if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) throw new Error(`--poll must be a positive number, got ${options.poll}`);
  const context = deploymentContext(options);
  const executionArn = executionArnOf(execution, context.stateMachineArn);
  console.log(`execution: ${executionArn}`);
  const timeline = new HistoryTimeline();
  let startedAt: number | undefined;
  let status = 'RUNNING';
  for await (const event of followExecution({ sfn: context.sfn, executionArn, pollMs: pollSeconds * 1000 })) {
    for (const entry of timeline.add(event)) {
      startedAt ??= entry.at;
      console.log(formatEntry(entry, startedAt));
      if (entry.kind === 'execution-ended') status = entry.status;
    }
  }
  if (status !== 'SUCCEEDED') process.exitCode = 1;
});
