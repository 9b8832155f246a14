/**
 * What an adopted or hand-configured KMS key's policy must hold for Bellflower to work, checked by
 * bootstrap (warnings: it adopts a key as it is) and by deploy's preflight (problems: a deploy
 * without them fails later, or its alarms stay silent):
 * - the account-root statement (`kms:*` for `arn:<partition>:iam::<account>:root`): without it,
 *   no IAM policy grants any use of the key (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam),
 *   and none of the roles' `kms:ViaService` grants works;
 * - the CloudWatch statement (`kms:Decrypt`, `kms:GenerateDataKey*` for `cloudwatch.amazonaws.com`),
 *   when alarms are on: an alarm publishes to the KMS-encrypted topic only with it
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-encryption);
 * - the log-delivery statement (`kms:Decrypt` for `delivery.logs.amazonaws.com`, at most limited
 *   to the account by `aws:SourceAccount`): the state machine's execution data is encrypted with
 *   the key, and its execution logs reach CloudWatch Logs only with it (aws-cdk's StateMachine adds
 *   the same statement to the key of an encrypted state machine that logs).
 * Each gap comes with the statement to add, from the key policy bootstrap itself creates.
 */
import { keyPolicy } from '../../../templates/iam-contract';

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: unknown;
}

/** One missing statement: what it is for and the JSON to add to the key policy. */
export interface KeyPolicyGap {
  readonly what: string;
  readonly statement: string;
}

const list = (value: unknown): string[] => (value === undefined ? [] : ([value].flat() as string[]));

/**
 * True when the statement allows every one of `actions` (wildcards as IAM reads them) without a
 * condition, or with exactly `condition` when given.
 */
function allows(statement: PolicyStatement, principal: (p: unknown) => boolean, actions: readonly string[], condition?: unknown): boolean {
  const conditionMet = statement.Condition === undefined || (condition !== undefined && JSON.stringify(statement.Condition) === JSON.stringify(condition));
  if (statement.Effect !== 'Allow' || !conditionMet || !principal(statement.Principal)) return false;
  if (!list(statement.Resource).includes('*')) return false;
  const granted = list(statement.Action).map((a) => new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'));
  return actions.every((action) => granted.some((pattern) => pattern.test(action)));
}

/**
 * The statements `policyText` lacks (none when complete). `alarms`: the CloudWatch statement is
 * needed (AlarmsEnabled). Throws a SyntaxError for a policy that is not JSON.
 */
export function keyPolicyGaps(policyText: string, target: { readonly accountId: string; readonly partition: string; readonly alarms: boolean }): KeyPolicyGap[] {
  const statements = list((JSON.parse(policyText) as { Statement?: unknown }).Statement) as unknown as PolicyStatement[];
  const [rootStatement, cloudWatchStatement, logDeliveryStatement] = keyPolicy(target).Statement as unknown as [PolicyStatement, PolicyStatement, PolicyStatement];
  const root = `arn:${target.partition}:iam::${target.accountId}:root`;
  const aws = (p: unknown) => list((p as { AWS?: unknown } | undefined)?.AWS).some((v) => v === root || v === target.accountId);
  const service = (name: string) => (p: unknown) => list((p as { Service?: unknown } | undefined)?.Service).includes(name);
  const gaps: KeyPolicyGap[] = [];
  if (!statements.some((s) => allows(s, aws, ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:CreateGrant', 'kms:DescribeKey']))) {
    gaps.push({ what: `no statement allowing the account root (${root}) kms:*: no IAM policy can grant the key, so the functions, the state machine and S3 cannot use it`, statement: JSON.stringify(rootStatement) });
  }
  if (target.alarms && !statements.some((s) => allows(s, service('cloudwatch.amazonaws.com'), ['kms:Decrypt', 'kms:GenerateDataKey']))) {
    gaps.push({ what: 'no statement for cloudwatch.amazonaws.com: alarms cannot notify the encrypted topic', statement: JSON.stringify(cloudWatchStatement) });
  }
  if (!statements.some((s) => allows(s, service('delivery.logs.amazonaws.com'), ['kms:Decrypt'], logDeliveryStatement.Condition))) {
    gaps.push({
      what: 'no statement for delivery.logs.amazonaws.com: the state machine\'s execution data is encrypted with the key, so its execution logs cannot be delivered',
      statement: JSON.stringify(logDeliveryStatement),
    });
  }
  return gaps;
}

/** One line per gap: the key, what is missing and the statement to add. */
export function describeKeyPolicyGaps(keyId: string, gaps: readonly KeyPolicyGap[]): string[] {
  return gaps.map(
    (gap) => `the key policy of KMS key ${keyId} has ${gap.what}; add this statement (aws kms put-key-policy --key-id ${keyId} --policy-name default ...): ${gap.statement}`,
  );
}
