/**
 * The execution id the processing Lambda adds to every execution (`execution_id`, a UUID) and
 * that names the `outbound/<id>/` and `inbound/<id>/` folders of the integration bucket.
 */

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an execution id as the processing Lambda makes them (a UUID). */
export function isExecutionId(value: string): boolean {
  return EXECUTION_ID.test(value);
}
