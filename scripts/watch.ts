/**
 * `npm run watch -- <execution-arn-or-name>`: follows an execution of the deployed state machine
 * until it ends, printing the same timeline as `npm run local`. Exits non-zero unless it succeeded.
 */
import { Command } from 'commander';
import { deploymentContext, withEnvironmentOptions, type EnvironmentFlags } from './lib/cli';
import { numberArgument, run } from './lib/command';
import { executionArnOf, followExecution, HistoryTimeline } from './lib/execution';
import { timelinePrinter } from './lib/local/timeline';

const program = withEnvironmentOptions(
  new Command('watch')
    .description('Follow an execution to its end and print its timeline')
    .argument('<execution>', 'execution ARN, or execution name (resolved against the deployed state machine)'),
)
  .option('--poll <seconds>', 'seconds between two reads of the history', numberArgument('--poll', { min: 0.001, unit: 'seconds' }), 2)
  .action((execution: string, flags: EnvironmentFlags & { poll: number }) =>
    run('watch', async () => {
      const { clients, target } = deploymentContext(flags);
      const executionArn = executionArnOf(execution, target.stateMachineArn);
      console.log(`execution: ${executionArn}`);
      const timeline = new HistoryTimeline();
      const print = timelinePrinter((line) => console.log(line));
      let status = 'RUNNING';
      for await (const event of followExecution({ sfn: clients.sfn, executionArn, pollMs: flags.poll * 1000 })) {
        for (const entry of timeline.add(event)) {
          print(entry);
          if (entry.kind === 'execution-ended') status = entry.status;
        }
      }
      if (status !== 'SUCCEEDED') process.exitCode = 1;
    }),
  );

await program.parseAsync();
