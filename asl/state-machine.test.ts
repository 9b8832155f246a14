import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildStateMachine, DEFAULT_CALLBACK_TIMEOUT_SECONDS, definitionText as writtenDefinition, PLACEHOLDERS, placeholdersIn, STATES } from './state-machine';

interface AslValidation {
  readonly isValid: boolean;
  errorsText(separator?: string): string;
}
// asl-validator ships no type declarations.
const validateAsl = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => AslValidation;

type State = Record<string, unknown>;
const definitionText = (timeout?: number) => writtenDefinition(timeout === undefined ? {} : { callbackTimeoutSeconds: timeout });
const states = (timeout?: number) => (JSON.parse(definitionText(timeout)) as { States: Record<string, State> }).States;

describe('state machine definition', () => {
  it('matches the snapshot', async () => {
    await expect(definitionText()).toMatchFileSnapshot('__snapshots__/state-machine.json');
  });

  it.each(['aws', 'aws-cn', 'aws-us-gov'])('is valid according to asl-validator in the %s partition', (partition) => {
    // Step Functions validates the definition after CloudFormation's DefinitionSubstitutions; the
    // validator annotates the object it checks, hence a fresh parse.
    const bound = definitionText().replaceAll(`\${${PLACEHOLDERS.partition}}`, partition);
    const result = validateAsl(JSON.parse(bound));
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
    expect(bound).toContain(`"arn:${partition}:states:::sqs:sendMessage.waitForTaskToken"`);
  });

  it('keeps the business application\'s answer under $.response and publishes a bounded summary, not the state', () => {
    expect(states()[STATES.waitForResponse]!.ResultPath).toBe('$.response');
    const parameters = states()[STATES.publishSuccess]!.Parameters as Record<string, unknown>;
    expect(parameters).not.toHaveProperty('Message.$');
    expect(JSON.stringify(parameters.Message)).not.toMatch(/"\$"|response/);
    for (const name of [STATES.publishSuccess, STATES.publishFailure]) {
      expect(states()[name]!.ResultSelector).toEqual({ 'MessageId.$': '$.MessageId' });
      expect(states()[name]!.ResultPath).toBe('$.notification');
    }
  });

  it('reports failures with a Catch that works for any state, object or not', () => {
    for (const name of [STATES.processing, STATES.waitForResponse]) {
      expect(states()[name]!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: STATES.publishFailure }]);
    }
    expect(states()[STATES.publishFailure]!.Parameters).toMatchObject({ Message: { 'Error.$': '$.Error', 'Cause.$': '$.Cause' } });
  });

  it('uses exactly the declared placeholders', () => {
    expect(placeholdersIn(definitionText())).toEqual(Object.values(PLACEHOLDERS).sort());
  });

  it('keeps the original retry: 5 s, two retries, backoff 2, then the failure notification', () => {
    const processing = states()[STATES.processing]!;
    expect(processing.Retry).toEqual([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }]);
    expect(processing.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: STATES.publishFailure })]);
  });

  it('times out "Wait For Response" (default one day, configurable) and reports its errors', () => {
    expect(states()[STATES.waitForResponse]!.TimeoutSeconds).toBe(DEFAULT_CALLBACK_TIMEOUT_SECONDS);
    expect(states(600)[STATES.waitForResponse]!.TimeoutSeconds).toBe(600);
    expect(states()[STATES.waitForResponse]!.Catch).toEqual([expect.objectContaining({ Next: STATES.publishFailure })]);
  });

  it('gives the execution its own timeout past every step\'s budget, so that the timed-out alarm can fire', () => {
    type Retry = { IntervalSeconds: number; MaxAttempts: number; BackoffRate: number };
    const waits = (retry: unknown) =>
      ((retry ?? []) as Retry[]).reduce((sum, r) => sum + Array.from({ length: r.MaxAttempts }, (_, i) => r.IntervalSeconds * r.BackoffRate ** i).reduce((x, y) => x + y, 0), 0);
    const attempts = (retry: unknown) => 1 + ((retry ?? []) as Retry[]).reduce((sum, r) => sum + r.MaxAttempts, 0);
    for (const callback of [60, DEFAULT_CALLBACK_TIMEOUT_SECONDS]) {
      const definition = buildStateMachine({ callbackTimeoutSeconds: callback }) as { TimeoutSeconds?: number; States: Record<string, Record<string, unknown>> };
      const s = definition.States;
      // Lambda's longest timeout is 900 s; each SNS/SQS call is given a minute.
      const budget =
        attempts(s[STATES.processing]!.Retry) * 900 + waits(s[STATES.processing]!.Retry) +
        callback + waits(s[STATES.waitForResponse]!.Retry) + 60 +
        Math.max(...[STATES.publishSuccess, STATES.publishFailure].map((n) => attempts(s[n]!.Retry) * 60 + waits(s[n]!.Retry)));
      expect(definition.TimeoutSeconds).toBeGreaterThan(budget);
    }
    expect((buildStateMachine({ callbackTimeoutSeconds: 31_536_000 }) as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(31_536_000);
  });

  it('retries only transient service errors of the SQS send and the SNS publishes, never a business failure or a timeout', () => {
    const wait = states()[STATES.waitForResponse]!.Retry as { ErrorEquals: string[] }[];
    expect(wait.flatMap((r) => r.ErrorEquals).every((e) => e.startsWith('SQS.'))).toBe(true);
    // The names Step Functions reports for an SQS service error (throttling included) and for a
    // request without an answer (histories recorded against AWS; see SQS_TRANSIENT_ERRORS).
    expect(wait.flatMap((r) => r.ErrorEquals)).toEqual(expect.arrayContaining(['SQS.AmazonSQSException', 'SQS.SdkClientException']));
    for (const name of [STATES.publishSuccess, STATES.publishFailure]) {
      const retry = states()[name]!.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      expect(retry).toEqual([expect.objectContaining({ ErrorEquals: expect.arrayContaining(['SNS.ThrottledException']), MaxAttempts: 3 })]);
    }
    expect(JSON.stringify(states()[STATES.waitForResponse]!.Retry)).not.toMatch(/States\./);
  });

  it('requires heartbeats on the wait only when asked, shorter than the timeout', () => {
    expect(states()[STATES.waitForResponse]!.HeartbeatSeconds).toBeUndefined();
    const withHeartbeat = JSON.parse(JSON.stringify(buildStateMachine({ callbackTimeoutSeconds: 3600, callbackHeartbeatSeconds: 600 }))) as {
      States: Record<string, State>;
    };
    expect(withHeartbeat.States[STATES.waitForResponse]!.HeartbeatSeconds).toBe(600);
    expect(() => buildStateMachine({ callbackTimeoutSeconds: 600, callbackHeartbeatSeconds: 600 })).toThrow(/callbackHeartbeatSeconds.*less than the callback timeout \(600\), got 600/);
    expect(() => buildStateMachine({ callbackHeartbeatSeconds: 0 })).toThrow(RangeError);
  });

  it('rejects a callback timeout that is not a whole number of seconds in range', () => {
    expect(() => buildStateMachine({ callbackTimeoutSeconds: 0 })).toThrow(/callbackTimeoutSeconds.*got 0/);
    expect(() => buildStateMachine({ callbackTimeoutSeconds: 1.5 })).toThrow(RangeError);
  });
});
