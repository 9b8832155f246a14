/** The deployment's logs: CloudWatch Logs on moto (FilterLogEvents), the rest as plain functions. */
import { describe, expect, it } from 'vitest';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { executionFilter, formatLogEvent, logSources, LogsError, parseSince, type LogEvent } from './logs';

const outputs = {
  [ROOT_OUTPUTS.processingLambdaArn]: 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-processing-devl-us-east-1',
  [ROOT_OUTPUTS.integrationLambdaArn]: 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-integration-devl-us-east-1',
  [ROOT_OUTPUTS.stepFunctionArn]: 'arn:aws:states:us-east-1:123456789012:stateMachine:bellflower-state-machine-devl-us-east-1',
};

describe('log sources, times and lines', () => {
  it('names the log groups the templates create, from the root stack outputs', () => {
    expect(logSources(outputs)).toEqual([
      { label: 'processing', logGroupName: '/aws/lambda/bellflower-processing-devl-us-east-1' },
      { label: 'integration', logGroupName: '/aws/lambda/bellflower-integration-devl-us-east-1' },
      { label: 'state-machine', logGroupName: '/aws/vendedlogs/states/bellflower-state-machine-devl-us-east-1' },
    ]);
    expect(() => logSources({ Other: 'x' })).toThrow(LogsError);
  });

  it('reads --since as a duration back or a date, and rejects anything else naming the flag', () => {
    const now = Date.parse('2030-01-01T12:00:00Z');
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
    expect(parseSince('2029-12-31T00:00:00Z', now)).toBe(Date.parse('2029-12-31T00:00:00Z'));
    expect(() => parseSince('yesterday', now)).toThrow('--since "yesterday" is neither a duration (30s, 10m, 2h, 1d) nor a date (2026-01-31T12:00:00Z)');
  });

  it('filters by an execution\'s UUID as it is, and by its ARN\'s name', () => {
    expect(executionFilter('0f5ca9b4-6a55-4d3e-9b8f-3c3a4f1d2e10')).toBe('0f5ca9b4-6a55-4d3e-9b8f-3c3a4f1d2e10');
    expect(executionFilter('arn:aws:states:us-east-1:1:execution:sm:run-1')).toBe('run-1');
  });

  it('shows a JSON event as level and message, then its other fields, on one line', () => {
    const event: LogEvent = {
      source: 'integration',
      logGroupName: 'g',
      logStreamName: 's',
      eventId: '1',
      timestamp: Date.parse('2030-01-01T00:00:00Z'),
      message: JSON.stringify({ level: 'ERROR', message: 'answer rejected', timestamp: 'x', execution_id: 'abc' }),
    };
    expect(formatLogEvent(event)).toBe('2030-01-01T00:00:00.000Z integration   ERROR answer rejected {"execution_id":"abc"}');
    expect(formatLogEvent({ ...event, source: 'state-machine', message: 'plain\n text' })).toBe('2030-01-01T00:00:00.000Z state-machine plain text');
  });
});

