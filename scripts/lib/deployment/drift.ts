/**
 * `bellflower drift`: CloudFormation drift detection on every stack of an environment. A stack's
 * detection does not look into its nested stacks ("CloudFormation doesn't detect drift on any
 * nested stacks belonging to that stack. Instead, you can initiate a drift detection operation
 * directly on the nested stack", DetectStackDrift in the CloudFormation API reference:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DetectStackDrift.html), so
 * the cross stack, the root stack and each nested stack get one detection each, started together,
 * then polled (DescribeStackDriftDetectionStatus; the SDK has no waiter for it) until done.
 */
import {
  DescribeStackDriftDetectionStatusCommand,
  DetectStackDriftCommand,
  paginateDescribeStackResourceDrifts,
  type CloudFormationClient,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import { setTimeout as sleep } from 'node:timers/promises';
import { BellflowerError, messageOf } from '../core/errors';
import { silentReporter, type Reporter } from '../core/reporter';
import type { EnvironmentStack } from './environment-stacks';
import type { Polling } from './stacks';

/** Drift detection could not run (not deployed, refused, an endpoint without it). */
export class DriftError extends BellflowerError {
  override readonly name = 'DriftError';
}

/** One property that differs from the template. */
export interface PropertyDifference {
  readonly path: string;
  /** ADD, REMOVE or NOT_EQUAL. */
  readonly type: string;
  readonly expected?: string;
  readonly actual?: string;
}

/** One resource that drifted. */
export interface DriftedResource {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  /** MODIFIED or DELETED. */
  readonly status: string;
  readonly differences: readonly PropertyDifference[];
}

/** The drift of one stack. */
export interface StackDrift {
  readonly stack: EnvironmentStack;
  /** DRIFTED, IN_SYNC, UNKNOWN (detection failed) or NOT_CHECKED. */
  readonly status: string;
  /** Why the detection failed or was partial (DETECTION_FAILED's reason). */
  readonly reason?: string;
  readonly resources: readonly DriftedResource[];
}

/** Options of {@link detectDrift}. */
export interface DetectDriftOptions extends Polling {
  readonly cloudFormation: CloudFormationClient;
  readonly stacks: readonly EnvironmentStack[];
  /** True when the endpoint is not AWS's own (an emulator): its refusal is explained as such. */
  readonly customEndpoint?: string;
  readonly reporter?: Reporter;
}

/** The error of an endpoint that does not implement drift detection (moto 5.2 answers 500 with an HTML page). */
function unsupported(error: unknown, endpoint: string | undefined): DriftError | undefined {
  if (endpoint === undefined) return undefined;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status < 500 && !['NotImplemented', 'InvalidAction', 'UnknownOperationException'].includes(e.name ?? '')) return undefined;
  return new DriftError(
    `the endpoint ${endpoint} does not implement CloudFormation drift detection (DetectStackDrift answered ${status || e.name}): moto, and so \`bellflower emulator\`, has none; run drift against AWS`,
    { cause: error },
  );
}

/** What a drifted resource says, from the API's record. */
function driftedResource(drift: StackResourceDrift): DriftedResource {
  return {
    logicalId: drift.LogicalResourceId ?? '?',
    ...(drift.PhysicalResourceId !== undefined ? { physicalId: drift.PhysicalResourceId } : {}),
    type: drift.ResourceType ?? '?',
    status: drift.StackResourceDriftStatus ?? '?',
    differences: (drift.PropertyDifferences ?? []).map((difference) => ({
      path: difference.PropertyPath ?? '',
      type: difference.DifferenceType ?? '',
      ...(difference.ExpectedValue !== undefined ? { expected: difference.ExpectedValue } : {}),
      ...(difference.ActualValue !== undefined ? { actual: difference.ActualValue } : {}),
    })),
  };
}

/**
 * Detects drift on every deployed stack of `stacks` and returns each stack's drift status and its
 * drifted (MODIFIED, DELETED) resources with their property differences. Throws {@link DriftError}
 * when no stack is deployed or the endpoint cannot detect drift.
 */
export async function detectDrift(options: DetectDriftOptions): Promise<StackDrift[]> {
  const { cloudFormation } = options;
  const reporter = options.reporter ?? silentReporter;
  const deployed = options.stacks.filter((stack) => stack.stackId !== undefined);
  if (deployed.length === 0) throw new DriftError('no stack of this environment is deployed: nothing to check (run `bellflower deploy` first, or pick the environment with --env)');
  const started = await Promise.all(
    deployed.map(async (stack) => {
      try {
        const { StackDriftDetectionId: id } = await cloudFormation.send(new DetectStackDriftCommand({ StackName: stack.stackId }));
        if (!id) throw new DriftError(`DetectStackDrift on ${stack.name} returned no detection id`);
        return { stack, id };
      } catch (error) {
        if (error instanceof DriftError) throw error;
        throw unsupported(error, options.customEndpoint) ?? new DriftError(`cannot start drift detection on ${stack.name}: ${messageOf(error)}`, { cause: error });
      }
    }),
  );
  const pollMs = (options.pollSeconds ?? 5) * 1000;
  const deadline = Date.now() + (options.maxWaitSeconds ?? 900) * 1000;
  const results: StackDrift[] = [];
  for (const { stack, id } of started) {
    for (;;) {
      const status = await cloudFormation.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
      if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') {
        // DETECTION_FAILED still reports the resources it could check ("partial"); their drifts are read below.
        const resources: DriftedResource[] = [];
        for await (const page of paginateDescribeStackResourceDrifts(
          { client: cloudFormation },
          { StackName: stack.stackId, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'] },
        )) {
          resources.push(...(page.StackResourceDrifts ?? []).map(driftedResource));
        }
        results.push({
          stack,
          status: status.StackDriftStatus ?? 'UNKNOWN',
          ...(status.DetectionStatus === 'DETECTION_FAILED' ? { reason: status.DetectionStatusReason ?? 'detection failed' } : {}),
          resources: resources.sort((a, b) => a.logicalId.localeCompare(b.logicalId)),
        });
        break;
      }
      if (Date.now() > deadline) throw new DriftError(`drift detection on ${stack.name} is still running after ${options.maxWaitSeconds ?? 900} s (detection ${id})`);
      reporter.progress(`drift: detecting on ${stack.name}`);
      await sleep(pollMs);
    }
  }
  reporter.progressDone();
  return results;
}

/** True when any stack or resource drifted. */
export function hasDrift(results: readonly StackDrift[]): boolean {
  return results.some((result) => result.status === 'DRIFTED' || result.resources.length > 0);
}

/** The readable report: one line per stack, then each drifted resource and its property differences. */
export function driftLines(results: readonly StackDrift[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.stack.role.padEnd(6)} ${result.stack.name}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
    for (const resource of result.resources) {
      lines.push(`  ${resource.status} ${resource.logicalId} ${resource.type}${resource.physicalId ? ` (${resource.physicalId})` : ''}`);
      for (const difference of resource.differences) {
        lines.push(`    ${difference.type} ${difference.path}: expected ${difference.expected ?? '(none)'}, actual ${difference.actual ?? '(none)'}`);
      }
    }
  }
  lines.push(hasDrift(results) ? 'drift: drifted (put the resources back as the templates say: a deploy without a template change leaves them; or change the templates to match)' : 'drift: every stack is in sync with its template');
  return lines;
}
