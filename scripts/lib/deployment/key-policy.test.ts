import { describe, expect, it } from 'vitest';
import { keyPolicy } from '../../../templates/iam-contract';
import { describeKeyPolicyGaps, keyPolicyGaps } from './key-policy';

const target = { accountId: '111122223333', partition: 'aws', alarms: true };
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const root = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };

describe('the key policy of an adopted or hand-configured key', () => {
  it('finds nothing missing in the policy bootstrap creates', () => {
    expect(keyPolicyGaps(JSON.stringify(keyPolicy(target)), target)).toEqual([]);
  });

  it('rejects a policy without the CloudWatch statement when alarms are on, giving the statement to add', () => {
    const logDelivery = keyPolicy(target).Statement[2]!;
    const gaps = keyPolicyGaps(policy(root, logDelivery), target);
    expect(gaps.map((g) => g.what)).toEqual(['no statement for cloudwatch.amazonaws.com: alarms cannot notify the encrypted topic']);
    expect(JSON.parse(gaps[0]!.statement)).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
    expect(keyPolicyGaps(policy(root, logDelivery), { ...target, alarms: false })).toEqual([]);
  });

  it('rejects a policy without the log-delivery statement of the encrypted state machine, giving the statement to add', () => {
    const [, cloudWatch, logDelivery] = keyPolicy(target).Statement;
    const gaps = keyPolicyGaps(policy(root, cloudWatch!), target);
    expect(gaps.map((g) => g.what)).toEqual([expect.stringMatching(/^no statement for delivery\.logs\.amazonaws\.com: the state machine's execution data/)]);
    expect(JSON.parse(gaps[0]!.statement)).toEqual(logDelivery);
    // Without the account condition (as aws-cdk writes it) it is enough; under another condition it is not.
    const { Condition: _, ...unconditioned } = logDelivery!;
    expect(keyPolicyGaps(policy(root, cloudWatch!, unconditioned), target)).toEqual([]);
    const foreign = { ...logDelivery, Condition: { StringEquals: { 'aws:SourceAccount': '444455556666' } } };
    expect(keyPolicyGaps(policy(root, cloudWatch!, foreign), target)).toHaveLength(1);
  });

  it('rejects a policy whose account root is missing, limited by a condition or given less than kms:*', () => {
    const [, cloudWatch, logDelivery] = keyPolicy(target).Statement;
    for (const statements of [
      [{ ...root, Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' } }],
      [{ ...root, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } }],
      [{ ...root, Action: ['kms:Describe*', 'kms:Get*'] }],
      [{ ...root, Principal: { AWS: 'arn:aws:iam::444455556666:root' } }],
    ]) {
      const gaps = keyPolicyGaps(policy(...statements, cloudWatch!, logDelivery!), target);
      expect(gaps, JSON.stringify(statements)).toHaveLength(1);
      expect(gaps[0]!.what).toMatch(/^no statement allowing the account root \(arn:aws:iam::111122223333:root\) kms:\*/);
    }
    // The account id alone names the root too.
    expect(keyPolicyGaps(policy({ ...root, Principal: { AWS: '111122223333' } }, cloudWatch!, logDelivery!), target)).toEqual([]);
  });

  it('names the key, the gap and the command in one line per gap', () => {
    expect(describeKeyPolicyGaps('k-1', keyPolicyGaps(policy(), target))).toEqual([
      expect.stringMatching(/^the key policy of KMS key k-1 has no statement allowing the account root .* add this statement \(aws kms put-key-policy --key-id k-1 --policy-name default \.\.\.\): \{"Sid":"EnableIamUserPermissions"/),
      expect.stringMatching(/^the key policy of KMS key k-1 has no statement for cloudwatch\.amazonaws\.com/),
      expect.stringMatching(/^the key policy of KMS key k-1 has no statement for delivery\.logs\.amazonaws\.com/),
    ]);
  });
});
