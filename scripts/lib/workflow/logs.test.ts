/** The deployment's logs: CloudWatch Logs on moto (FilterLogEvents), the rest as plain functions. */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { createAwsClients, type AwsClients } from '../core/aws';
import { executionFilter, followLogEvents, formatLogEvent, logSources, LogsError, parseSince, readLogEvents, type LogEvent, type LogSource } from './logs';

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

describe.runIf(requireTool('moto_server'))('reading and following logs on moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  const sources = logSources(outputs);
  const put = async (source: LogSource, timestamp: number, message: string) =>
    clients.logs.send(new PutLogEventsCommand({ logGroupName: source.logGroupName, logStreamName: 'stream', logEvents: [{ timestamp, message }] }));
  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients(moto.clientConfig);
    for (const source of sources.slice(0, 2)) {
      await clients.logs.send(new CreateLogGroupCommand({ logGroupName: source.logGroupName }));
      await clients.logs.send(new CreateLogStreamCommand({ logGroupName: source.logGroupName, logStreamName: 'stream' }));
    }
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('merges the groups by time, keeps only the execution asked for, and says which group is missing', async () => {
    const now = Date.now();
    await put(sources[1]!, now - 3000, 'integration for run-a');
    await put(sources[0]!, now - 2000, 'processing for run-a');
    await put(sources[0]!, now - 1000, 'processing for run-b');
    await put(sources[0]!, now - 7_200_000, 'too old, for run-a');
    const missing: string[] = [];

    const events = await readLogEvents({ logs: clients.logs, sources, startTime: now - 60_000, contains: 'run-a', onMissingGroup: (source) => missing.push(source.label) });

    expect(events.map((event) => [event.source, event.message])).toEqual([
      ['integration', 'integration for run-a'],
      ['processing', 'processing for run-a'],
    ]);
    expect(missing).toEqual(['state-machine']);
  });

  it('follows: yields what is there, then what arrives, each event once, until stopped', async () => {
    const start = Date.now();
    await put(sources[0]!, start, 'follow: first');
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of followLogEvents({ logs: clients.logs, sources: sources.slice(0, 2), startTime: start, contains: 'follow:', pollMs: 50, signal: stop.signal })) {
        seen.push(event.message);
        if (seen.length === 1) await put(sources[1]!, Date.now(), 'follow: second');
        if (seen.length === 2) stop.abort();
      }
    })();
    await following;
    expect(seen).toEqual(['follow: first', 'follow: second']);
  });
});
