/**
 * CloudFormation operations shared by deploy, diff and destroy: change sets (created, waited for,
 * executed or deleted), stack events streamed while CloudFormation works, failure root causes.
 */
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { messageOf } from '../core/errors';
import { silentReporter, type Reporter } from '../core/reporter';
import { formatEvent, latestEventTime, rootCause, StackEventCollector } from './stack-events';
import { BellflowerError } from '../core/errors';

/** A CloudFormation operation failed; the message names the stack and the root cause. */
export class StackError extends BellflowerError {
  override readonly name = 'StackError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Capabilities every Bellflower stack needs (named IAM roles; nested stacks). */
export const CAPABILITIES = ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;

/** Statuses from which a stack cannot be updated and has to be deleted and created again. */
const FAILED_CREATE_STATUSES = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED']);

/** How often to poll; tests shorten it. */
export interface Polling {
  /** Seconds between stack-event reads and the waiters' minimum delay. @default 5 */
  readonly pollSeconds?: number;
  /** Longest wait for one operation, in seconds. @default 3600 */
  readonly maxWaitSeconds?: number;
}

/** One stack to create or update through a change set. */
export interface StackRequest {
  readonly stackName: string;
  /** Where CloudFormation reads the template (the artifact bucket); or give {@link templateBody}. */
  readonly templateUrl?: string;
  /**
   * The template itself (CloudFormation takes up to 51,200 bytes): the bootstrap stack, deployed
   * before the artifact bucket exists.
   */
  readonly templateBody?: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** Ask for change sets of the nested stacks too (root stack). */
  readonly includeNestedStacks: boolean;
  /**
   * The template's parameters and their defaults. On an update, each one the stack has and
   * {@link parameters} does not set keeps the stack's value (UsePreviousValue), as
   * `aws cloudformation deploy` and `cdk deploy` do: a `--parameter` given once is not reverted to
   * the template's default by the next deploy. @default none kept
   */
  readonly declaredParameters?: Readonly<Record<string, string | undefined>>;
  /** Parameters that go back to the template's default instead of keeping their value (`--reset-parameter`). */
  readonly resetParameters?: readonly string[];
  /** The role CloudFormation assumes to change the stack (`RoleARN`); absent: the caller's credentials. */
  readonly roleArn?: string;
  /** Stack tags that are removed instead of keeping their value (`--reset-tag`). @default none */
  readonly resetTags?: readonly string[];
}

/** A parameter a change set keeps from the stack (UsePreviousValue) and its value there. */
export interface KeptParameter {
  readonly key: string;
  readonly value: string;
  /** The template's default, when it declares one. */
  readonly default?: string;
}

/**
 * The parameters an update of `stack` keeps (UsePreviousValue): declared by the new template, on
 * the stack, neither set by the request nor reset. AWS reverts a parameter left out of an update
 * to its default; the AWS CLI's `cloudformation deploy` sends UsePreviousValue for every
 * parameter the stack has and the command line does not give (aws-cli
 * awscli/customizations/cloudformation/deployer.py, merge_parameters; CloudFormation API
 * reference, Parameter.UsePreviousValue). A parameter the new template drops cannot be kept;
 * one at the new template's default is left to it (a changed default then applies).
 */
export function keptParameters(stack: Stack | undefined, request: StackRequest): KeptParameter[] {
  const declared = request.declaredParameters ?? {};
  const reset = new Set(request.resetParameters ?? []);
  return (stack?.Parameters ?? [])
    .filter(({ ParameterKey: key }) => key !== undefined && key in declared && !(key in request.parameters) && !reset.has(key))
    .map(({ ParameterKey, ParameterValue }) => {
      const fallback = declared[ParameterKey!];
      return { key: ParameterKey!, value: ParameterValue ?? '', ...(fallback !== undefined ? { default: fallback } : {}) };
    })
    // A value at the template's default is left to the default: only what someone set is kept.
    .filter((parameter) => parameter.value !== parameter.default)
    .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The tags an update of `stack` keeps: on the stack, neither set by the request nor reset. The
 * `Tags` of a change set replace the stack's (CloudFormation API reference, CreateChangeSet: "Key-value
 * pairs to associate with this stack"; UpdateStack: "If you specify an empty value, CloudFormation
 * removes all associated tags"), so a tag given once with `--tags` would be dropped by the next
 * deploy without it: kept as parameters are ({@link keptParameters}), as `aws cloudformation deploy`
 * keeps a stack's tags when `--tags` is absent. AWS's own `aws:` tags are never sent.
 */
export function keptTags(stack: Stack | undefined, request: Pick<StackRequest, 'tags' | 'resetTags'>): { readonly key: string; readonly value: string }[] {
  const reset = new Set(request.resetTags ?? []);
  return (stack?.Tags ?? [])
    .filter(({ Key: key }) => key !== undefined && !(key in request.tags) && !reset.has(key) && !/^aws:/i.test(key))
    .map(({ Key, Value }) => ({ key: Key!, value: Value ?? '' }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Outcome of {@link deployStack}. */
export interface StackDeployResult {
  readonly stackName: string;
  /**
   * `change-set-kept`: created and left for review (`execute: false`); nothing changed yet.
   * `no-change-set`: the stack has no kept change set of the name asked for; nothing changed.
   */
  readonly action: 'created' | 'updated' | 'no-changes' | 'change-set-kept' | 'no-change-set';
  readonly outputs: Readonly<Record<string, string>>;
  /** The change set's name (kept or executed); absent when nothing changed. */
  readonly changeSetName?: string;
}

/** A change set about to be executed, for {@link DeployStackOptions.approve}. */
export interface PendingChangeSet {
  readonly stackName: string;
  /** Change set ARN. */
  readonly id: string;
  readonly type: 'CREATE' | 'UPDATE';
}

/** The stack, or undefined when it does not exist (deleted stacks are not found by name). */
export async function describeStack(cloudFormation: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const result = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return result.Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw new StackError(`cannot describe stack ${stackName}: ${messageOf(error)}`, { cause: error });
  }
}

/** Stack outputs as a flat record. */
export function outputsOf(stack: Stack | undefined): Record<string, string> {
  return Object.fromEntries((stack?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
}

/** Result of {@link createChangeSet}. */
export interface ChangeSetHandle {
  readonly id: string;
  readonly type: 'CREATE' | 'UPDATE';
  /** False when CloudFormation found nothing to change (the change set has already been deleted). */
  readonly hasChanges: boolean;
}

/** Creates a change set and waits until it is ready; an empty change set is deleted and reported. */
export async function createChangeSet(
  cloudFormation: CloudFormationClient,
  request: StackRequest,
  type: 'CREATE' | 'UPDATE',
  polling: Polling = {},
  changeSetName: string = newChangeSetName(),
  kept: readonly KeptParameter[] = [],
  tagsKept: readonly { readonly key: string; readonly value: string }[] = [],
): Promise<ChangeSetHandle> {
  const name = changeSetName;
  let id: string;
  try {
    const created = await cloudFormation.send(
      new CreateChangeSetCommand({
        StackName: request.stackName,
        ChangeSetName: name,
        ChangeSetType: type,
        ...(request.templateBody !== undefined ? { TemplateBody: request.templateBody } : { TemplateURL: request.templateUrl }),
        Parameters: [
          ...Object.entries(request.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
          ...(type === 'UPDATE' ? kept.map(({ key }) => ({ ParameterKey: key, UsePreviousValue: true })) : []),
        ],
        Tags: [...Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })), ...tagsKept.map(({ key: Key, value: Value }) => ({ Key, Value }))],
        Capabilities: [...CAPABILITIES],
        IncludeNestedStacks: request.includeNestedStacks,
        ...(request.roleArn !== undefined ? { RoleARN: request.roleArn } : {}),
        Description: 'Created by the Bellflower deploy/diff commands',
      }),
    );
    id = created.Id ?? name;
  } catch (error) {
    // An unchanged template body may be refused at once (moto does) instead of by a FAILED change set.
    if (/No updates are to be performed/.test(messageOf(error))) return { id: name, type, hasChanges: false };
    throw new StackError(`cannot create a change set for ${request.stackName}: ${messageOf(error)}`, { cause: error });
  }
  try {
    await waitUntilChangeSetCreateComplete(waiter(cloudFormation, polling), { ChangeSetName: id, StackName: request.stackName });
    return { id, type, hasChanges: true };
  } catch (error) {
    const described = await cloudFormation.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: request.stackName }));
    const reason = described.StatusReason ?? messageOf(error);
    await discardChangeSet(cloudFormation, request.stackName, id, type);
    if (/didn't contain changes|No updates are to be performed/i.test(reason)) return { id, type, hasChanges: false };
    throw new StackError(`change set for ${request.stackName} failed: ${reason}`, { cause: error });
  }
}

/** A change set name of its own: `bellflower-<UTC yyyymmddhhmmss>-<6 random>`. */
export function newChangeSetName(now: Date = new Date()): string {
  return `bellflower-${now.toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A change set name CloudFormation accepts: a letter, then letters, digits and "-" (at most 128). */
export const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/**
 * Deletes a change set; for a CREATE change set also the empty stack CloudFormation made for it
 * (left in REVIEW_IN_PROGRESS), so that nothing remains.
 */
export async function discardChangeSet(
  cloudFormation: CloudFormationClient,
  stackName: string,
  id: string,
  type: 'CREATE' | 'UPDATE',
): Promise<void> {
  await cloudFormation.send(new DeleteChangeSetCommand({ ChangeSetName: id, StackName: stackName }));
  if (type === 'CREATE') {
    const stack = await describeStack(cloudFormation, stackName);
    if (stack?.StackStatus === 'REVIEW_IN_PROGRESS') await cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
  }
}

/**
 * Where {@link deployStack} is with one stack, for a report when the command is interrupted:
 * creating its change set, the change set ready (not executed), executing it, or done.
 */
export interface StackStep {
  readonly stackName: string;
  readonly phase: 'creating-change-set' | 'change-set-ready' | 'executing' | 'done';
  readonly changeSetName?: string;
}

/** Options of {@link deployStack}. */
export interface DeployStackOptions extends Polling {
  readonly reporter?: Reporter;
  /** Told each step of the stack's deploy (Ctrl-C reports the last). @default nothing */
  readonly onStep?: (step: StackStep) => void;
  /** Delete and re-create a stack whose creation failed (ROLLBACK_COMPLETE). @default false */
  readonly replaceFailed?: boolean;
  /** Turn termination protection on after a successful deploy. @default false */
  readonly terminationProtection?: boolean;
  /**
   * Called with a change set that has changes, before it is executed; throwing refuses it (the
   * change set is deleted). @default every change set is executed
   */
  readonly approve?: (changeSet: PendingChangeSet) => Promise<void>;
  /** False: create the change set and keep it for review; nothing is executed. @default true */
  readonly execute?: boolean;
  /** Name of the change set to create. @default {@link newChangeSetName} */
  readonly changeSetName?: string;
  /**
   * Execute this kept change set (created with `execute: false`) instead of creating one; a stack
   * without it is left as it is.
   */
  readonly existingChangeSet?: string;
  /**
   * Keep what was created or updated when the operation fails, instead of rolling back
   * (ExecuteChangeSet `DisableRollback`), to debug it. @default false
   */
  readonly disableRollback?: boolean;
}

/**
 * Creates or updates a stack through a change set, streaming its events (and its nested stacks')
 * to the reporter. Throws {@link StackError} with the root cause when CloudFormation fails.
 */
export async function deployStack(
  cloudFormation: CloudFormationClient,
  request: StackRequest,
  options: DeployStackOptions = {},
): Promise<StackDeployResult> {
  const reporter = options.reporter ?? silentReporter;
  const { stackName } = request;
  const step = (phase: StackStep['phase'], changeSetName?: string): void =>
    options.onStep?.({ stackName, phase, ...(changeSetName !== undefined ? { changeSetName } : {}) });
  let stack = await describeStack(cloudFormation, stackName);
  const status = stack?.StackStatus ?? '';
  if (FAILED_CREATE_STATUSES.has(status)) {
    const cause = await earlierFailure(cloudFormation, stackName);
    if (!options.replaceFailed) {
      throw new StackError(
        `stack ${stackName} is in ${status}: its creation failed${cause} and CloudFormation cannot update it; run again with --replace-failed to delete and re-create it`,
      );
    }
    reporter.info(`${stackName}: deleting the failed stack (${status}) before creating it again`);
    await deleteStack(cloudFormation, stackName, { ...options, ...(request.roleArn !== undefined ? { roleArn: request.roleArn } : {}) });
    stack = undefined;
  } else if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') {
    throw new StackError(`stack ${stackName} is busy (${status}); wait until it finishes and run again`);
  } else if (status === 'DELETE_FAILED' || status === 'UPDATE_ROLLBACK_FAILED') {
    throw new StackError(`stack ${stackName} is in ${status}; fix it in the CloudFormation console, then run again`);
  }
  const type = stack && stack.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
  let changeSet: ChangeSetHandle;
  if (options.existingChangeSet !== undefined) {
    const kept = await keptChangeSet(cloudFormation, stackName, options.existingChangeSet, type);
    if (!kept) {
      reporter.info(`${stackName}: no change set ${options.existingChangeSet}; left as it is`);
      return { stackName, action: 'no-change-set', outputs: outputsOf(stack) };
    }
    changeSet = kept;
  } else {
    const kept = type === 'UPDATE' ? keptParameters(stack, request) : [];
    for (const parameter of kept) {
      reporter.info(
        `${stackName}: ${parameter.key} keeps its value ${parameter.value} from the last deploy${parameter.default !== undefined ? ` (template default ${parameter.default}; --reset-parameter ${parameter.key} goes back to it)` : ''}`,
      );
    }
    const tagsKept = type === 'UPDATE' ? keptTags(stack, request) : [];
    for (const tag of tagsKept) reporter.info(`${stackName}: tag ${tag.key}=${tag.value} kept from the last deploy (--reset-tag ${tag.key} removes it)`);
    reporter.progress(`${stackName}: creating change set (${type})`);
    step('creating-change-set', options.changeSetName);
    changeSet = await createChangeSet(cloudFormation, request, type, options, options.changeSetName, kept, tagsKept);
  }
  const changeSetName = changeSet.id.includes(':changeSet/') ? changeSet.id.replace(/^.*:changeSet\/([^/]+)\/.*$/, '$1') : changeSet.id;
  if (!changeSet.hasChanges) {
    step('done');
    reporter.progressDone();
    reporter.info(`${stackName}: no changes`);
    return { stackName, action: 'no-changes', outputs: outputsOf(stack) };
  }
  step('change-set-ready', changeSetName);
  if (options.execute === false) {
    step('done');
    reporter.progressDone();
    reporter.info(`${stackName}: change set ${changeSetName} created and kept (not executed)`);
    return { stackName, action: 'change-set-kept', outputs: outputsOf(stack), changeSetName };
  }
  if (options.approve) {
    reporter.progressDone();
    try {
      await options.approve({ stackName, id: changeSet.id, type });
    } catch (error) {
      await discardChangeSet(cloudFormation, stackName, changeSet.id, type);
      throw error;
    }
  }
  const since = await latestEventTime(cloudFormation, stackName);
  const events = new StackEventCollector(cloudFormation, stackName, since);
  step('executing', changeSetName);
  reporter.progress(`${stackName}: executing change set ${changeSetName}${options.disableRollback ? ' (no rollback on failure)' : ''}`);
  try {
    await cloudFormation.send(
      new ExecuteChangeSetCommand({
        ChangeSetName: changeSet.id,
        StackName: stackName,
        ...(options.disableRollback ? { DisableRollback: true } : {}),
      }),
    );
  } catch (error) {
    throw new StackError(`deploy of ${stackName} failed: ${messageOf(error)}`, { cause: error });
  }
  const wait = type === 'CREATE' ? waitUntilStackCreateComplete : waitUntilStackUpdateComplete;
  const outcome = await whileStreaming(events, reporter, options, () =>
    wait(waiter(cloudFormation, options), { StackName: stackName }),
  );
  if (outcome.error !== undefined) {
    const cause = rootCause(events.events);
    const final = await describeStack(cloudFormation, stackName);
    const explained = cause ? `root cause: ${formatEvent(cause)}` : (final?.StackStatusReason ?? messageOf(outcome.error));
    const kept = options.disableRollback ? '; rollback disabled: the resources are kept for debugging, deploy again once fixed' : '';
    throw new StackError(`deploy of ${stackName} failed (${final?.StackStatus ?? 'unknown status'}); ${explained}${kept}`, {
      cause: outcome.error,
    });
  }
  if (options.terminationProtection) {
    await cloudFormation.send(new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: true }));
  }
  const done = await describeStack(cloudFormation, stackName);
  step('done', changeSetName);
  reporter.info(`${stackName}: ${done?.StackStatus ?? 'done'}`);
  return { stackName, action: type === 'CREATE' ? 'created' : 'updated', outputs: outputsOf(done), changeSetName };
}

/**
 * A change set kept on the stack (see {@link DeployStackOptions.execute}), ready to execute;
 * undefined when the stack has none of that name. Throws {@link StackError} when it cannot run.
 */
export async function keptChangeSet(
  cloudFormation: CloudFormationClient,
  stackName: string,
  name: string,
  type: 'CREATE' | 'UPDATE',
): Promise<ChangeSetHandle | undefined> {
  let described;
  try {
    described = await cloudFormation.send(new DescribeChangeSetCommand({ ChangeSetName: name, StackName: stackName }));
  } catch (error) {
    if (error instanceof Error && (error.name === 'ChangeSetNotFoundException' || /does not exist/i.test(error.message))) return undefined;
    throw new StackError(`cannot read change set ${name} of ${stackName}: ${messageOf(error)}`, { cause: error });
  }
  // Emulators may find a change set by name on any stack (moto 5 does); AWS looks on this stack only.
  if (described.StackName !== undefined && described.StackName !== stackName && described.StackId !== stackName) return undefined;
  if (described.Status !== 'CREATE_COMPLETE' || described.ExecutionStatus !== 'AVAILABLE') {
    throw new StackError(
      `change set ${name} of ${stackName} cannot be executed (${described.Status}, ${described.ExecutionStatus ?? 'no execution status'}${described.StatusReason ? `: ${described.StatusReason}` : ''}); create a new one with deploy --no-execute`,
    );
  }
  return { id: described.ChangeSetId ?? name, type, hasChanges: true };
}

/** Throws when `stack` has termination protection on (CloudFormation would refuse to delete it), naming the command that lifts it. */
export function refuseProtected(stack: Stack | undefined, stackName: string): void {
  if (stack?.EnableTerminationProtection) {
    throw new StackError(
      `stack ${stackName} has termination protection on; turn it off first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stackName}`,
    );
  }
}

/** Deletes a stack and waits, streaming events; does nothing when it does not exist. */
export async function deleteStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
  options: Polling & { readonly reporter?: Reporter; readonly roleArn?: string } = {},
): Promise<boolean> {
  const reporter = options.reporter ?? silentReporter;
  const stack = await describeStack(cloudFormation, stackName);
  if (!stack) return false;
  refuseProtected(stack, stackName);
  const stackId = stack.StackId ?? stackName;
  const events = new StackEventCollector(cloudFormation, stackId, await latestEventTime(cloudFormation, stackId));
  try {
    await cloudFormation.send(new DeleteStackCommand({ StackName: stackId, ...(options.roleArn !== undefined ? { RoleARN: options.roleArn } : {}) }));
  } catch (error) {
    throw new StackError(`cannot delete ${stackName}: ${messageOf(error)}`, { cause: error });
  }
  reporter.progress(`${stackName}: deleting`);
  // The stack id, not the name: a deleted stack is only found by id.
  const outcome = await whileStreaming(events, reporter, options, () =>
    waitUntilStackDeleteComplete(waiter(cloudFormation, options), { StackName: stackId }),
  );
  if (outcome.error !== undefined) {
    const cause = rootCause(events.events);
    throw new StackError(`delete of ${stackName} failed; ${cause ? `root cause: ${formatEvent(cause)}` : messageOf(outcome.error)}`, {
      cause: outcome.error,
    });
  }
  reporter.info(`${stackName}: deleted`);
  return true;
}

async function earlierFailure(cloudFormation: CloudFormationClient, stackName: string): Promise<string> {
  try {
    const collector = new StackEventCollector(cloudFormation, stackName, new Date(0));
    await collector.poll();
    const cause = rootCause(collector.events);
    return cause ? ` (root cause: ${formatEvent(cause)})` : '';
  } catch {
    // The explanation is a courtesy; the state itself is what the message is about.
    return '';
  }
}

/** Runs `operation` (a waiter) while polling events; reports each new event. */
async function whileStreaming(
  events: StackEventCollector,
  reporter: Reporter,
  polling: Polling,
  operation: () => Promise<unknown>,
): Promise<{ readonly error?: unknown }> {
  let finished = false;
  const report = async (): Promise<void> => {
    for (const event of await events.poll()) {
      reporter.progressDone();
      reporter.info(`  ${formatEvent(event)}`);
    }
  };
  const stream = (async () => {
    while (!finished) {
      await report();
      await sleepSeconds(polling.pollSeconds ?? 5, () => finished);
    }
    await report();
  })();
  let error: unknown;
  try {
    await operation();
  } catch (caught) {
    error = caught ?? new Error('waiter failed');
  } finally {
    finished = true;
  }
  await stream;
  reporter.progressDone();
  return error === undefined ? {} : { error };
}

async function sleepSeconds(seconds: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!stop() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
}

function waiter(client: CloudFormationClient, polling: Polling) {
  const minDelay = polling.pollSeconds ?? 5;
  return { client, maxWaitTime: polling.maxWaitSeconds ?? 3600, minDelay, maxDelay: Math.max(minDelay, 15) };
}
