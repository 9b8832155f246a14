/** Test support: the history of one execution of this workflow, as Step Functions reports it. */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { STATES } from '../../asl/state-machine';

/** The execution the history belongs to. */
export const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:bellflower-state-machine-devl-us-east-1:run-1';
/** Its task token (a realistic length). */
export const TOKEN = `AAAAKgAAAAIAAAAAAAAAA${'Zm9vYmFy'.repeat(40)}`;

/** The history of a successful execution whose first processing attempt failed. */
export function history(executionId: string): HistoryEvent[] {
  let id = 0;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const event = (type: string, details: Partial<HistoryEvent> = {}, ms = 100): HistoryEvent =>
    ({ id: ++id, type, timestamp: new Date((t += ms)), ...details }) as HistoryEvent;
  const output = { order: 1, execution_id: executionId, info: [], status_code: 200 };
  return [
    event('ExecutionStarted', { executionStartedEventDetails: { input: '{"order":1}' } }, 0),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.processing } }),
    event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } }),
    event('TaskFailed', { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Error', cause: 'boom' } }),
    event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } }, 5000),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.processing, output: JSON.stringify(output) } }),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.waitForResponse } }),
    event('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'sqs',
        resource: 'sendMessage.waitForTaskToken',
        region: 'us-east-1',
        parameters: JSON.stringify({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q-devl', MessageBody: { Input: output, TaskToken: TOKEN } }),
      },
    }),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', output: '{}' } }, 2000),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.waitForResponse, output: JSON.stringify(output) } }),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.publishSuccess } }),
    event('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'sns',
        resource: 'publish',
        region: 'us-east-1',
        parameters: JSON.stringify({ TopicArn: 't', Subject: 'Bellflower execution succeeded', Message: output }),
      },
    }),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish', output: '{}' } }),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.publishSuccess, output: '{}' } }),
    event('SucceedStateEntered', { stateEnteredEventDetails: { name: STATES.success } }),
    event('SucceedStateExited', { stateExitedEventDetails: { name: STATES.success, output: '{}' } }),
    event('ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }),
  ];
}
