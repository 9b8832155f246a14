/**
 * docs/capacity.md: the capacity model at 10 executions a second in us-east-1 with the documented
 * defaults, as `bellflower capacity` prints it with `--markdown`; `bellflower docs` writes it.
 */
/** The command line that writes docs/capacity.md. */
export const CAPACITY_DOC_COMMAND = 'bellflower capacity --rate 10 --region us-east-1 --defaults --markdown';

/** docs/capacity.md: the model at 10 executions a second in us-east-1 with the documented defaults. */
export async function capacityPage(): Promise<string> {
  const { computeCapacity } = await import('./capacity-report');
  const { capacityMarkdown } = await import('./capacity');
  return capacityMarkdown(await computeCapacity({ rate: 10, region: 'us-east-1', readApplied: false }), CAPACITY_DOC_COMMAND);
}
