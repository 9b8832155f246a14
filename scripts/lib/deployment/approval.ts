/**
 * Deploy's approval step (as CDK's `--require-approval` and SAM's `--confirm-changeset`): the
 * changes of each change set are shown, and those that touch IAM, KMS, resource policies or other
 * security-relevant properties (or, at `any-change`, every change) are executed only when a
 * person says yes at a terminal. Without a terminal they are refused unless the level is `never`.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeChanges, formatChange, type ResourceChangeLine } from './diff';
import type { Reporter } from '../core/reporter';
import type { PendingChangeSet } from './stacks';
import { BellflowerError } from '../core/errors';
import type { BellflowerConfig } from '../core/config';

/** Which changes need a person's approval. */
export const APPROVAL_LEVELS = ['never', 'broadening', 'any-change'] as const;
export type ApprovalLevel = (typeof APPROVAL_LEVELS)[number];

/** The default: ask when a change adds or modifies IAM or security-relevant resources or properties. */
export const DEFAULT_APPROVAL_LEVEL: ApprovalLevel = 'broadening';

/**
 * The level deploy asks at: the one given with `--require-approval`; without the flag, every
 * change of a production environment (`"production": true` in its configuration), else
 * {@link DEFAULT_APPROVAL_LEVEL}.
 */
export function approvalLevel(flag: ApprovalLevel, flagIsDefault: boolean, config: Pick<BellflowerConfig, 'production'>): ApprovalLevel {
  if (!flagIsDefault) return flag;
  return config.production ? 'any-change' : DEFAULT_APPROVAL_LEVEL;
}

/** A change set was not approved (refused, or no terminal to ask); it has been deleted. */
export class ApprovalError extends BellflowerError {
  override readonly name = 'ApprovalError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The changes that need approval at `level`: none at `never`; every change at `any-change`; at
 * `broadening` those that add or modify IAM, KMS, policies or security properties (a removal
 * takes access away, so it is not asked about).
 */
export function changesNeedingApproval(level: ApprovalLevel, changes: readonly ResourceChangeLine[]): ResourceChangeLine[] {
  if (level === 'never') return [];
  if (level === 'any-change') return [...changes];
  return changes.filter((change) => change.security && change.action !== 'Remove');
}

/** Options of {@link approvalGate}. */
export interface ApprovalOptions {
  readonly level: ApprovalLevel;
  readonly cloudFormation: CloudFormationClient;
  readonly reporter: Reporter;
  /** Whether a person can answer (a terminal on stdin). */
  readonly interactive: boolean;
  /** Asks a yes/no question. */
  readonly ask: (question: string) => Promise<boolean>;
  /** Why the level is what it is, when not the flag's or the default (said with the question and the refusal). */
  readonly levelReason?: string;
  /** Colours the change lines (identity by default). */
  readonly highlight?: (change: ResourceChangeLine, line: string) => string;
}

/**
 * The `approve` step of `deployStack`: prints the change set's changes, then asks when
 * {@link changesNeedingApproval} finds any. Throws {@link ApprovalError} when not approved.
 */
export function approvalGate(options: ApprovalOptions): (changeSet: PendingChangeSet) => Promise<void> {
  return async (changeSet) => {
    const changes = await describeChanges(options.cloudFormation, changeSet.id, 'root', changeSet.stackName);
    options.reporter.info(`${changeSet.stackName}: ${changes.length} change(s) (${changeSet.type === 'CREATE' ? 'new stack' : 'update'}):`);
    for (const change of changes) {
      const line = `  ${formatChange(change)}`;
      options.reporter.info(options.highlight ? options.highlight(change, line) : line);
    }
    const asked = changesNeedingApproval(options.level, changes);
    if (asked.length === 0) return;
    const why =
      options.level === 'any-change'
        ? `${asked.length} change(s)${options.levelReason ? ` (${options.levelReason})` : ''}`
        : `${asked.length} IAM/security change(s) (${asked.slice(0, 3).map((change) => change.logicalId).join(', ')}${asked.length > 3 ? ', ...' : ''})`;
    if (!options.interactive) {
      throw new ApprovalError(
        `${changeSet.stackName}: ${why} need approval and there is no terminal to ask; review them (bellflower diff) and pass --require-approval never, or deploy from a terminal; change set deleted, nothing changed`,
      );
    }
    if (!(await options.ask(`${changeSet.stackName}: deploy ${why}?`))) {
      throw new ApprovalError(`${changeSet.stackName}: not approved; change set deleted, nothing changed`);
    }
  };
}
