/** The deployment's logs: CloudWatch Logs on moto (FilterLogEvents), the rest as plain functions. */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { createAwsClients, type AwsClients } from '../core/aws';
import { followLogEvents, logSources, readLogEvents, type LogSource } from './logs';

const outputs = {
  [ROOT_OUTPUTS.processingLambdaArn]: 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-processing-devl-us-east-1',
  [ROOT_OUTPUTS.integrationLambdaArn]: 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-integration-devl-us-east-1',
  [ROOT_OUTPUTS.stepFunctionArn]: 'arn:aws:states:us-east-1:123456789012:stateMachine:bellflower-state-machine-devl-us-east-1',
};

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
