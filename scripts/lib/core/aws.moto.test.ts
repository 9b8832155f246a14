/**
 * What a command says about where it connects, and why AWS cannot be used: moto for a working
 * endpoint, a closed port for an unreachable one, errors shaped as the SDK throws them for the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { awsTarget, createAwsClients, targetLine } from './aws';
import { AwsAccessError } from './aws-errors';

describe.runIf(requireTool('moto_server'))('the AWS line', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('names the account, the caller, the region and where it came from, and the endpoint', async () => {
    const clients = createAwsClients(moto.clientConfig);
    const target = await awsTarget(clients, { endpoint: `${moto.endpoint} (AWS_ENDPOINT_URL)` });
    expect(targetLine(target, 'AWS_REGION')).toBe(
      `AWS account 123456789012 (arn:aws:sts::123456789012:user/moto), region us-east-1 (AWS_REGION), endpoint ${moto.endpoint} (AWS_ENDPOINT_URL)`,
    );
  });

  it('fails with the connection problem, not a credentials one, when nothing listens at the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const clients = createAwsClients({ ...moto.clientConfig, endpoint });
    clients.sts.config.maxAttempts = async () => 1;
    const error = await awsTarget(clients, { endpoint }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsAccessError);
    expect((error as AwsAccessError).kind).toBe('connection');
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach ${endpoint} \\(ECONNREFUSED\\)`));
  });
});
