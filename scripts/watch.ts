/**
 * `bellflower watch <execution-arn-or-name>`: follows an execution of the deployed state machine
 * until it ends, printing the same timeline as `bellflower local`. Exits non-zero unless it
 * succeeded. An ARN is used as is; a name is resolved against the state machine of the root stack.
 * While the execution waits for its answer, a line says where and how long it has waited and the
 * timeout left (`lib/workflow/wait.ts`): rewritten in place on a terminal, at most once a minute
 * in a pipe.
 * `--report run.html` also draws the execution as the page `bellflower local --report` writes
 * (its definition read with DescribeStateMachineForExecution).
 */
import { type BellflowerCommand, type EnvironmentFlags, numberArgument, withEnvironmentOptions } from './cli/command';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { TimelineEntry } from './lib/local/timeline';

/** `bellflower watch`. */
export const command: BellflowerCommand<EnvironmentFlags & { poll: number; report?: string }> = {
  name: 'watch',
  options: (command) =>
    withEnvironmentOptions(
    command
      .description('Follow an execution to its end and print its timeline; while it waits for its answer, show the state, since when, the outbound folder and the timeout left')
      .argument('<execution>', 'execution ARN (used as is), execution name, or execution_id (the outbound/<uuid>/ folder)'),
  )
    .option('--poll <seconds>', 'seconds between two reads of the history', numberArgument('--poll', { min: 0.001, unit: 'seconds' }), 2)
    .option('--report <file>', 'at the end, write the execution as one self-contained HTML page (graph, path, timeline)'),
  run: async ({ flags, args: [execution] }) => {
    const { commandContext, findDeployment } = await import('./cli/context');
    const { followExecution, HistoryTimeline } = await import('./lib/workflow/execution');
    const { resolveExecution } = await import('./lib/workflow/resolve-execution');
    const { timelinePrinter } = await import('./lib/local/timeline');
    const context = await commandContext(flags);
    const stateMachineArn = execution.startsWith('arn:') ? undefined : (await findDeployment(context)).stateMachineArn;
    const { executionArn } = await resolveExecution({ sfn: context.clients.sfn, id: execution, ...(stateMachineArn !== undefined ? { stateMachineArn } : {}) });
    console.log(`execution: ${executionArn}`);
    const timeline = new HistoryTimeline();
    // While it waits for its answer: the state, since when, the outbound folder, the timeout left.
    const { currentWait, WaitDisplay } = await import('./lib/workflow/wait');
    const wait = new WaitDisplay({ write: (text) => process.stdout.write(text), tty: Boolean(process.stdout.isTTY) });
    const print = timelinePrinter((line) => {
      wait.clear();
      console.log(line);
    });
    let status = 'RUNNING';
    const entries: TimelineEntry[] = [];
    const onPoll = (events: readonly HistoryEvent[]) => wait.show(currentWait(events));
    for await (const event of followExecution({ sfn: context.clients.sfn, executionArn, pollMs: flags.poll * 1000, onPoll })) {
      for (const entry of timeline.add(event)) {
        print(entry);
        entries.push(entry);
        if (entry.kind === 'execution-ended') status = entry.status;
      }
    }
    if (flags.report) {
      const { DescribeStateMachineForExecutionCommand } = await import('@aws-sdk/client-sfn');
      const { writeFile } = await import('node:fs/promises');
      const { buildReportPage } = await import('./lib/local/report');
      const described = await context.clients.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
      const definition = JSON.parse(described.definition ?? '{}') as Record<string, unknown>;
      await writeFile(flags.report, buildReportPage({ definition, entries, title: executionArn.replace(/^.*:/, '') }));
      console.log(`report: ${flags.report}`);
    }
    if (status !== 'SUCCEEDED') process.exitCode = 1;
  },
};

