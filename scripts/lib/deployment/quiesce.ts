/**
 * What `destroy` does before CloudFormation deletes the root stack: nothing may write into the
 * integration bucket while it is emptied and deleted. The event source mapping is disabled (no new
 * callback batch reaches the integration function, which writes `outbound/`) and the running
 * executions are stopped (none sends another callback message, none waits for an answer that can
 * no longer arrive). Both are idempotent: a retried destroy finds them disabled and stopped.
 *
 * Disabling a mapping does not end a batch already handed to the function: Lambda polls SQS
 * asynchronously and invokes the function synchronously with each batch ("Using Lambda with Amazon
 * SQS", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html); the mapping goes through
 * `Disabling` before `Disabled` (State in "EventSourceMappingConfiguration",
 * https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html), and a
 * message of a batch being processed is in flight, counted by ApproximateNumberOfMessagesNotVisible
 * ("Amazon SQS visibility timeout", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html).
 * So after disabling, quiesce waits until the mapping reports `Disabled` and its queue has no
 * message in flight, polling with a growing delay (as the SDK's waiters do) up to a bound: the
 * function's timeout plus {@link DISABLE_MARGIN_SECONDS}. Past it, quiesce says so and goes on: no
 * invocation begun before the disable can still run after the function's timeout (Lambda stops it),
 * and what stays not visible then is a failed message waiting out its visibility timeout, which
 * writes nothing. A batch that still wrote would fail the bucket's deletion, and a second destroy
 * finishes it (the stack is DELETE_FAILED, nothing is lost).
 */
import { DescribeStackResourcesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { paginateListExecutions, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageOf } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { describeStack, StackError } from './stacks';

/** What {@link quiesceWorkflow} did. */
export interface QuiesceResult {
  /** UUIDs of the event source mappings disabled. */
  readonly mappingsDisabled: readonly string[];
  /** Executions stopped. */
  readonly executionsStopped: number;
}

/** Added to the function's timeout: how long a mapping may take to report `Disabled` ("several seconds"). */
export const DISABLE_MARGIN_SECONDS = 30;

/** The waiting's clock: real time, or a test's. */
export interface QuiesceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: QuiesceClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** The error and cause a stopped execution reports (its history and the ExecutionsAborted alarm show them). */
export const STOPPED_BY_DESTROY = { error: 'Bellflower.Destroyed', cause: 'bellflower destroy deletes the stack' } as const;

/** Disables the root stack's event source mappings, then stops its state machines' running executions. */
export async function quiesceWorkflow(
  clients: { readonly cloudFormation: CloudFormationClient; readonly lambda: LambdaClient; readonly sfn: SFNClient; readonly sqs: SQSClient },
  rootStackName: string,
  reporter: Reporter,
  clock: QuiesceClock = realClock,
): Promise<QuiesceResult> {
  if (!(await describeStack(clients.cloudFormation, rootStackName))) return { mappingsDisabled: [], executionsStopped: 0 };
  const { StackResources: resources = [] } = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: rootStackName }));
  const live = (type: string) =>
    resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId && !r.ResourceStatus?.startsWith('DELETE_')).map((r) => r.PhysicalResourceId!);

  const mappingsDisabled: string[] = [];
  for (const uuid of live('AWS::Lambda::EventSourceMapping')) {
    try {
      await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') continue;
      throw new StackError(`cannot disable event source mapping ${uuid} before deleting ${rootStackName}: ${messageOf(error)}`, { cause: error });
    }
    mappingsDisabled.push(uuid);
    reporter.info(`event source mapping ${uuid}: disabled (no new callback batch reaches the integration function)`);
  }
  for (const uuid of mappingsDisabled) await waitForMappingIdle(clients, uuid, reporter, clock);

  let executionsStopped = 0;
  for (const stateMachineArn of live('AWS::StepFunctions::StateMachine')) {
    let stopped = 0;
    try {
      for await (const page of paginateListExecutions({ client: clients.sfn }, { stateMachineArn, statusFilter: 'RUNNING' })) {
        for (const execution of page.executions ?? []) {
          await clients.sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, ...STOPPED_BY_DESTROY }));
          stopped += 1;
        }
      }
    } catch (error) {
      if (errorName(error) === 'StateMachineDoesNotExist') continue;
      throw new StackError(`cannot stop the running executions of ${stateMachineArn} before deleting ${rootStackName}: ${messageOf(error)}`, { cause: error });
    }
    executionsStopped += stopped;
    reporter.info(`${stateMachineArn.split(':').at(-1)}: stopped ${stopped} running execution${stopped === 1 ? '' : 's'}`);
  }
  return { mappingsDisabled, executionsStopped };
}

/**
 * Waits until the disabled mapping reports `Disabled` and its SQS queue has no message in flight
 * (ApproximateNumberOfMessagesNotVisible 0), polling after 1 s, then 2 s, up to 5 s apart, for at
 * most the function's timeout plus {@link DISABLE_MARGIN_SECONDS}; says what it waited for and how
 * it ended.
 */
export async function waitForMappingIdle(
  clients: { readonly lambda: LambdaClient; readonly sqs: SQSClient },
  uuid: string,
  reporter: Reporter,
  clock: QuiesceClock = realClock,
): Promise<void> {
  const read = async () => {
    try {
      return await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw new StackError(`cannot read event source mapping ${uuid} while waiting for its batches in flight: ${messageOf(error)}`, { cause: error });
    }
  };
  const mapping = await read();
  if (!mapping) return;
  const [, , service, , account, queueName] = (mapping.EventSourceArn ?? '').split(':');
  // A queue or function already deleted (a destroy retried after a partial delete) is no error:
  // no queue, nothing in flight to count; no function, Lambda's largest timeout bounds the wait.
  const gone = (error: unknown) => queueGone(error) || errorName(error) === 'ResourceNotFoundException';
  let queueUrl: string | undefined;
  let timeoutSeconds = 900;
  try {
    if (service === 'sqs' && queueName) queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }))).QueueUrl;
  } catch (error) {
    if (!gone(error)) throw new StackError(`cannot find the queue of event source mapping ${uuid} (${queueName}) while waiting for its batches in flight: ${messageOf(error)}`, { cause: error });
  }
  try {
    if (mapping.FunctionArn) timeoutSeconds = (await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: mapping.FunctionArn }))).Timeout ?? timeoutSeconds;
  } catch (error) {
    if (!gone(error)) throw new StackError(`cannot read the timeout of ${mapping.FunctionArn} while waiting for the batches in flight of event source mapping ${uuid}: ${messageOf(error)}`, { cause: error });
  }
  const boundSeconds = timeoutSeconds + DISABLE_MARGIN_SECONDS;
  const what = `until it reports Disabled and ${queueName ?? 'its queue'} has no message in flight (at most ${boundSeconds} s: the function's timeout ${timeoutSeconds} s + ${DISABLE_MARGIN_SECONDS} s)`;
  reporter.info(`event source mapping ${uuid}: waiting for the batches in flight ${what}`);
  const started = clock.now();
  let state = mapping.State;
  let inFlight = await notVisible(clients.sqs, queueUrl);
  const first = `${state}, ${inFlight} in flight`;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    if ((state === 'Disabled' || state === undefined) && inFlight === 0) {
      reporter.info(`event source mapping ${uuid}: Disabled, no message in flight after ${((clock.now() - started) / 1000).toFixed(1)} s (at first: ${first})`);
      return;
    }
    if (clock.now() - started >= boundSeconds * 1000) {
      reporter.info(
        `warning: event source mapping ${uuid}: still ${state}, ${inFlight} message${inFlight === 1 ? '' : 's'} not visible after ${boundSeconds} s; going on: no invocation begun before the disable outlives the function's timeout (${timeoutSeconds} s), and a failed message waits out its visibility timeout without writing`,
      );
      return;
    }
    await clock.sleep(delay);
    const current = await read();
    if (!current) return;
    state = current.State;
    inFlight = await notVisible(clients.sqs, queueUrl);
  }
}

async function notVisible(sqs: SQSClient, queueUrl: string | undefined): Promise<number> {
  if (!queueUrl) return 0;
  try {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    return Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  } catch (error) {
    if (queueGone(error)) return 0;
    throw new StackError(`cannot read the messages in flight of ${queueUrl}: ${messageOf(error)}`, { cause: error });
  }
}

const errorName = (error: unknown): string => (error as { name?: string }).name ?? '';

/** SQS's answer for a deleted queue (the JSON protocol's name, and the query protocol's code). */
const queueGone = (error: unknown): boolean => ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes(errorName(error));
