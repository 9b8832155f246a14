/**
 * Stack events of a stack and of its nested stacks: streamed while CloudFormation works, and
 * searched for the root cause of a failure (CloudFormation reports a nested failure on the parent
 * only as "Embedded stack ... was not successfully created").
 */
import {
  DescribeStackEventsCommand,
  type CloudFormationClient,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

/**
 * Reasons that only echo a failure elsewhere: a parent's "embedded stack failed", the stack's
 * summary, and siblings cancelled because another resource failed.
 */
const CONSEQUENTIAL_REASONS = [
  /^Embedded stack .* was not successfully (created|updated|deleted)/i,
  /^The following resource\(s\) failed to (create|update|delete)/i,
  /^Resource (creation|update|deletion) cancelled/i,
];

/** Collects the new events of a stack and of every nested stack it mentions, oldest first. */
export class StackEventCollector {
  private readonly seen = new Set<string>();
  /** Stack ids/names whose events are read: the stack itself and the nested stacks found so far. */
  private readonly stacks: string[];
  private readonly all: StackEvent[] = [];

  /**
   * @param since only events strictly after this time are collected (the server's clock: take it
   *   from the stack's newest event before starting the operation, see {@link latestEventTime}).
   */
  constructor(
    private readonly cloudFormation: CloudFormationClient,
    stack: string,
    private readonly since: Date,
  ) {
    this.stacks = [stack];
  }

  /** Every event collected so far, oldest first. */
  get events(): readonly StackEvent[] {
    return this.all;
  }

  /** Reads every stack's events once and returns the new ones, oldest first. */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    for (let index = 0; index < this.stacks.length; index++) {
      for (const event of await this.eventsOf(this.stacks[index]!)) {
        if (!event.EventId || this.seen.has(event.EventId)) continue;
        this.seen.add(event.EventId);
        fresh.push(event);
        const nested = event.PhysicalResourceId;
        if (
          event.ResourceType === NESTED_STACK_TYPE &&
          nested?.startsWith('arn:') &&
          nested !== event.StackId &&
          !this.stacks.includes(nested)
        ) {
          this.stacks.push(nested);
        }
      }
    }
    fresh.sort(byTime);
    this.all.push(...fresh);
    this.all.sort(byTime);
    return fresh;
  }

  private async eventsOf(stack: string): Promise<StackEvent[]> {
    const events: StackEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.cloudFormation.send(
        new DescribeStackEventsCommand({ StackName: stack, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      // Newest first: stop paging at the first event that is not newer than `since`.
      for (const event of page.StackEvents ?? []) {
        if (!event.Timestamp || event.Timestamp <= this.since) return events;
        events.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return events;
  }
}

/** Time of the stack's newest event (the start line for a {@link StackEventCollector}); epoch when none. */
export async function latestEventTime(cloudFormation: CloudFormationClient, stack: string): Promise<Date> {
  const page = await cloudFormation.send(new DescribeStackEventsCommand({ StackName: stack }));
  return page.StackEvents?.[0]?.Timestamp ?? new Date(0);
}

/**
 * The event that explains a failure: the earliest `*_FAILED` event whose reason is not merely a
 * consequence of another failure; else the earliest failed event.
 */
export function rootCause(events: readonly StackEvent[]): StackEvent | undefined {
  const failed = [...events].sort(byTime).filter((event) => event.ResourceStatus?.endsWith('_FAILED'));
  return (
    failed.find((event) => !CONSEQUENTIAL_REASONS.some((pattern) => pattern.test(event.ResourceStatusReason ?? ''))) ??
    failed[0]
  );
}

/** One line for an event: `<stack>/<logical id> (<type>) <status>: <reason>`. */
export function formatEvent(event: StackEvent): string {
  const reason = event.ResourceStatusReason ? `: ${event.ResourceStatusReason.replace(/\s+/g, ' ')}` : '';
  const where =
    event.LogicalResourceId === event.StackName
      ? `${event.StackName}`
      : `${event.StackName}/${event.LogicalResourceId} (${event.ResourceType})`;
  return `${where} ${event.ResourceStatus}${reason}`;
}

function byTime(a: StackEvent, b: StackEvent): number {
  return (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0);
}
