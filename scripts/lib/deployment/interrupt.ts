/**
 * What a deploy stopped by Ctrl-C leaves behind: for each stack, the state CloudFormation reports
 * now and what to do about it. CloudFormation goes on with an executed change set whether or not
 * the command waits, so "interrupted" alone leaves the user guessing.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EXIT_CODES } from '../core/errors';
import { describeStack, type StackStep } from './stacks';

/** How long the report waits for DescribeStacks before it says the state is unknown. */
export const INTERRUPT_DESCRIBE_MS = 3000;

/** One line per stack of `stackNames`, in order: its state now, from its last step, and what to do. */
export async function interruptedDeployLines(
  cloudFormation: CloudFormationClient,
  stackNames: readonly string[],
  steps: ReadonlyMap<string, StackStep>,
  timeoutMs: number = INTERRUPT_DESCRIBE_MS,
): Promise<string[]> {
  return Promise.all(
    stackNames.map(async (stackName) => {
      const step = steps.get(stackName);
      if (!step) return `${stackName}: not started; nothing changed`;
      const status = await statusOf(cloudFormation, stackName, timeoutMs);
      const changeSet = step.changeSetName !== undefined ? ` ${step.changeSetName}` : '';
      switch (step.phase) {
        case 'creating-change-set':
          return `${stackName}: ${status}; its change set${changeSet} was being created, nothing executed; list what is left with \`aws cloudformation list-change-sets --stack-name ${stackName}\`, or deploy again`;
        case 'change-set-ready':
          return `${stackName}: ${status}; change set${changeSet} created, not executed: nothing changed; deploy again, or delete it with \`aws cloudformation delete-change-set --stack-name ${stackName} --change-set-name ${step.changeSetName ?? '<name>'}\``;
        case 'executing':
          return `${stackName}: ${status} (change set${changeSet} executing): CloudFormation goes on without this command; follow it with \`aws cloudformation describe-stack-events --stack-name ${stackName}\`${whatNext(stackName, status)}`;
        case 'done':
          return `${stackName}: ${status} (done)`;
      }
    }),
  );
}

/**
 * Handles Ctrl-C for a deploy from now on: prints `interrupted:` and {@link interruptedDeployLines}
 * on stderr, then exits with 130 (a second Ctrl-C exits at once). Returns the map the deploy
 * records its steps in.
 */
export function reportInterruptedDeploy(cloudFormation: CloudFormationClient, stackNames: readonly string[]): Map<string, StackStep> {
  const steps = new Map<string, StackStep>();
  let reporting = false;
  process.on('SIGINT', () => {
    if (reporting) process.exit(EXIT_CODES.interrupted);
    reporting = true;
    void interruptedDeployLines(cloudFormation, stackNames, steps).then((lines) => {
      process.stderr.write(`\ninterrupted:\n${lines.map((line) => `  ${line}\n`).join('')}`);
      process.exit(EXIT_CODES.interrupted);
    });
  });
  return steps;
}

function whatNext(stackName: string, status: string): string {
  if (status === 'UPDATE_IN_PROGRESS') return `; \`aws cloudformation cancel-update-stack --stack-name ${stackName}\` stops it and rolls back`;
  if (status.endsWith('ROLLBACK_IN_PROGRESS')) return '; the rollback finishes by itself, then fix the cause and deploy again';
  if (status.endsWith('_COMPLETE')) return '; it has finished, run deploy again to see the outputs';
  return '';
}

async function statusOf(cloudFormation: CloudFormationClient, stackName: string, timeoutMs: number): Promise<string> {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('state unknown (no answer from CloudFormation)'), timeoutMs).unref());
  const described = describeStack(cloudFormation, stackName).then(
    (stack) => stack?.StackStatus ?? 'does not exist',
    () => 'state unknown (DescribeStacks failed)',
  );
  return Promise.race([described, timeout]);
}
