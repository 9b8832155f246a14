/**
 * `npm run watch -- <execution-arn-or-name>`: follows an execution of the deployed state machine
 * until it ends, printing the same timeline as `npm run local`. Exits non-zero unless it succeeded.
 * `--report run.html` also draws the execution as the page `npm run local -- --report` writes
 * (its definition read with DescribeStateMachineForExecution).
 */
import { DescribeStateMachineForExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { deploymentContext, withEnvironmentOptions, type EnvironmentFlags } from './lib/cli';
import { numberArgument, run } from './lib/command';
import { executionArnOf, followExecution, HistoryTimeline } from './lib/execution';
import { buildReportPage } from './lib/local/report';
import { timelinePrinter, type TimelineEntry } from './lib/local/timeline';

const program = withEnvironmentOptions(
  new Command('watch')
    .description('Follow an execution to its end and print its timeline')
    .argument('<execution>', 'execution ARN, or execution name (resolved against the deployed state machine)'),
)
  .option('--poll <seconds>', 'seconds between two reads of the history', numberArgument('--poll', { min: 0.001, unit: 'seconds' }), 2)
  .option('--report <file>', 'at the end, write the execution as one self-contained HTML page (graph, path, timeline)')
  .action((execution: string, flags: EnvironmentFlags & { poll: number; report?: string }) =>
    run('watch', async () => {
      const { clients, target } = deploymentContext(flags);
      const executionArn = executionArnOf(execution, target.stateMachineArn);
      console.log(`execution: ${executionArn}`);
      const timeline = new HistoryTimeline();
      const print = timelinePrinter((line) => console.log(line));
      let status = 'RUNNING';
      const entries: TimelineEntry[] = [];
      for await (const event of followExecution({ sfn: clients.sfn, executionArn, pollMs: flags.poll * 1000 })) {
        for (const entry of timeline.add(event)) {
          print(entry);
          entries.push(entry);
          if (entry.kind === 'execution-ended') status = entry.status;
        }
      }
      if (flags.report) {
        const described = await clients.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
        const definition = JSON.parse(described.definition ?? '{}') as Record<string, unknown>;
        await writeFile(flags.report, buildReportPage({ definition, entries, title: executionArn.replace(/^.*:/, '') }));
        console.log(`report: ${flags.report}`);
      }
      if (status !== 'SUCCEEDED') process.exitCode = 1;
    }),
  );

await program.parseAsync();
