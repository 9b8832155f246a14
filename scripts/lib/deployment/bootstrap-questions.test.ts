import { describe, expect, it } from 'vitest';
import { defaultAnswers, isInteractive, QUESTIONS, resolveAnswers, type Prompts } from './bootstrap-questions';
import { ConfigError, type BellflowerConfig } from '../core/config';

/** Prompts that answer from a script and record what was asked (the prompt functions are injected). */
function scriptedPrompts(answers: Record<string, string>) {
  const asked: { message: string; default?: string; validate?: (value: string) => boolean | string }[] = [];
  const prompts: Prompts = {
    input: async (config) => {
      asked.push(config);
      const answer = answers[config.message] ?? config.default ?? '';
      const verdict = config.validate?.(answer) ?? true;
      if (verdict !== true) throw new Error(`scripted answer "${answer}" refused: ${String(verdict)}`);
      return answer;
    },
    confirm: async () => true,
  };
  return { prompts, asked };
}

const message = (field: string) => QUESTIONS.find((q) => q.field === field)!.message;
const shipped: BellflowerConfig = {
  environment: 'devl',
  region: 'us-east-1',
  artifactBucket: 'bellflower-artifacts-example-devl',
  keyPrefix: 'bellflower',
  crossStackName: 'x-cross',
  rootStackName: 'x-root',
  kmsKeyAlias: 'bellflower-devl',
  kmsKeyId: '00000000-0000-0000-0000-000000000000',
  subscriptionEmail: 'bellflower-devl@example.com',
  parameters: {},
};

describe('bootstrap questions', () => {
  it('asks region, profile, e-mail and business application principal, offering the configuration as defaults', async () => {
    const { prompts, asked } = scriptedPrompts({
      [message('email')]: 'ops@bellflower.test',
      [message('businessApplicationPrincipal')]: 'arn:aws:iam::444455556666:role/partner',
    });
    const answers = await resolveAnswers({ flags: {}, defaults: defaultAnswers({ ...shipped, profile: 'ops' }), interactive: true, prompts });
    expect(answers).toEqual({
      region: 'us-east-1',
      profile: 'ops',
      email: 'ops@bellflower.test',
      businessApplicationPrincipal: 'arn:aws:iam::444455556666:role/partner',
    });
    // The example address is no default: the user has to give one.
    expect(asked.map((q) => [q.message, q.default])).toEqual([
      ['AWS region', 'us-east-1'],
      ['AWS profile (empty: the default credential chain)', 'ops'],
      ['E-mail address that receives the results and alarms', undefined],
      ["Business application's AWS account id or IAM role ARN (empty: none yet)", undefined],
    ]);
  });

  it('validates typed answers: a required one may not be empty, an optional one may; a bad one is refused', async () => {
    const { prompts, asked } = scriptedPrompts({ [message('region')]: 'eu-west-1', [message('email')]: 'ops@bellflower.test' });
    await resolveAnswers({ flags: {}, defaults: {}, interactive: true, prompts });
    const validate = (field: string) => asked.find((q) => q.message === message(field))!.validate!;
    expect(validate('email')('')).toBe('required');
    expect(validate('email')('not-an-address')).toBe('"not-an-address" is not an e-mail address');
    expect(validate('email')('me@example.org')).toBe('"me@example.org" is an example address, which deploy refuses');
    expect(validate('region')('Europe')).toBe('"Europe" is not an AWS region such as eu-west-1');
    expect(validate('profile')('')).toBe(true);
    expect(validate('businessApplicationPrincipal')('')).toBe(true);
    expect(validate('businessApplicationPrincipal')('444455556666')).toBe(true);
    expect(validate('businessApplicationPrincipal')('arn:aws:s3:::bucket')).toMatch(/is not a 12-digit account id or an IAM role, user or root ARN$/);
  });

  it('asks nothing a flag answers, and nothing at all when not interactive', async () => {
    const { prompts, asked } = scriptedPrompts({});
    const flags = { region: 'eu-west-1', email: 'ci@bellflower.test' };
    expect(await resolveAnswers({ flags, defaults: defaultAnswers(shipped), interactive: true, prompts })).toEqual({ region: 'eu-west-1', email: 'ci@bellflower.test' });
    expect(asked.map((q) => q.message)).toEqual([message('profile'), message('businessApplicationPrincipal')]);

    const quiet = scriptedPrompts({});
    expect(await resolveAnswers({ flags, defaults: defaultAnswers(shipped), interactive: false, prompts: quiet.prompts })).toEqual({
      region: 'eu-west-1',
      email: 'ci@bellflower.test',
    });
    expect(quiet.asked).toEqual([]);
  });

  it('rejects missing required values and bad flags in one error naming each flag', async () => {
    await expect(resolveAnswers({ flags: {}, defaults: defaultAnswers(shipped), interactive: false })).rejects.toThrow(
      new ConfigError('no e-mail address that receives the results and alarms: pass --email <value>'),
    );
    await expect(
      resolveAnswers({ flags: { region: 'Mars', businessApplicationPrincipal: 'partner' }, defaults: {}, interactive: false }),
    ).rejects.toThrow(
      new ConfigError(
        '--region "Mars" is not an AWS region such as eu-west-1; no e-mail address that receives the results and alarms: pass --email <value>; --business-application-principal "partner" is not a 12-digit account id or an IAM role, user or root ARN',
      ),
    );
  });

  it('is interactive only with --guided, without --yes, on a terminal', () => {
    const tty = { stdin: { isTTY: true }, stdout: { isTTY: true } } as unknown as Parameters<typeof isInteractive>[1];
    const pipe = { stdin: { isTTY: undefined }, stdout: { isTTY: true } } as unknown as Parameters<typeof isInteractive>[1];
    expect(isInteractive({ guided: true }, tty)).toBe(true);
    expect(isInteractive({ guided: true, yes: true }, tty)).toBe(false);
    expect(isInteractive({ guided: false }, tty)).toBe(false);
    expect(isInteractive({ guided: true }, pipe)).toBe(false);
  });
});
