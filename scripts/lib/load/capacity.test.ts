import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { capacityPage } from './capacity-page';
import { computeCapacity } from './capacity-report';
import { executionUsage } from './usage';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const serviceQuotas = mockClient(ServiceQuotasClient);
afterEach(() => serviceQuotas.reset());

describe('executionUsage (counted from the definition and the handlers)', () => {
  it('counts the states, integrations and requests of a success', async () => {
    const usage = await executionUsage('success');
    expect(usage.states).toEqual(['Processing Lambda', 'Wait For Response', 'SNS Publish (Success)', 'Success']);
    expect(usage.integrations).toEqual(['lambda:invoke', 'sqs:sendMessage.waitForTaskToken', 'sns:publish']);
    expect(usage.integrationInvocations).toBe(2);
    // The token and data.json; the token read back and the answer read; one SendTaskSuccess.
    expect(usage.integrationRequests).toEqual({ PutObject: 2, GetObject: 2, SendTaskSuccess: 1 });
    expect(usage.answerRequests).toEqual({ HeadObject: 1, PutObject: 1 });
  });

  it('follows the Catch of "Wait For Response" for a business failure', async () => {
    const usage = await executionUsage('failure');
    expect(usage.states).toEqual(['Processing Lambda', 'Wait For Response', 'SNS Publish (Failure)', 'Fail']);
    expect(usage.integrationRequests).toMatchObject({ SendTaskFailure: 1 });
  });
});

describe('the capacity model', () => {
  it('finds the e-mail delivery rate binding first at the documented defaults in us-east-1', async () => {
    const model = await computeCapacity({ rate: 10, region: 'us-east-1', readApplied: false });
    expect(model.binding).toMatchObject({ service: 'SNS', quota: 'e-mail deliveries (account)', bindsAt: 10 });
    const transitions = model.quotas.find((row) => row.quota.startsWith('state transitions'));
    expect(transitions).toMatchObject({ perExecution: 4, value: 1_500, usedAtRate: 40, bindsAt: 375 });
    expect(model.quotas.every((row) => row.source.startsWith('https://docs.aws.amazon.com/'))).toBe(true);
    // 4 transitions at USD 0.025 a thousand, for a million executions.
    expect(model.cost.find((line) => line.component.startsWith('Step Functions'))?.usd).toBeCloseTo(100);
  });

  it('uses the smaller Step Functions defaults outside the three largest regions', async () => {
    const model = await computeCapacity({ rate: 1, region: 'eu-central-1', readApplied: false });
    expect(model.quotas.find((row) => row.quota.startsWith('StartExecution'))?.value).toBe(150);
  });

  it("uses the account's applied quotas from Service Quotas where one matches", async () => {
    serviceQuotas.on(ListServiceQuotasCommand).resolves({ Quotas: [] });
    serviceQuotas.on(ListServiceQuotasCommand, { ServiceCode: 'lambda' }).resolves({ Quotas: [{ QuotaName: 'Concurrent executions', Value: 50 }] });
    const model = await computeCapacity({ rate: 1, region: 'us-east-1', readApplied: true, serviceQuotas: new ServiceQuotasClient({ region: 'us-east-1' }) });
    expect(model.quotaSource).toEqual({ kind: 'applied', found: 1 });
    const lambda = model.quotas.find((row) => row.quota.startsWith('concurrent executions'));
    expect(lambda).toMatchObject({ applied: 50, value: 50 });
    // 50 concurrent at 5.4 s of function time per execution binds below the e-mail rate.
    expect(model.binding.quota).toBe('concurrent executions (account, region)');
    expect(model.binding.bindsAt).toBeCloseTo(50 / 5.4);
  });

  it('falls back to the documented defaults when Service Quotas refuses', async () => {
    serviceQuotas.on(ListServiceQuotasCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const model = await computeCapacity({ rate: 1, region: 'us-east-1', readApplied: true, serviceQuotas: new ServiceQuotasClient({ region: 'us-east-1' }) });
    expect(model.quotaSource).toEqual({ kind: 'defaults', reason: 'Service Quotas not readable (AccessDeniedException)' });
    expect(model.quotas.every((row) => row.applied === undefined)).toBe(true);
  });

  it('is what docs/capacity.md says (bellflower docs regenerates it)', async () => {
    expect(readFileSync(join(ROOT, 'docs', 'capacity.md'), 'utf8')).toBe(await capacityPage());
  });
});
