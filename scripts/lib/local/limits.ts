/**
 * AWS's limits that the local run applies, so that what fails in AWS fails locally too.
 */

/** Step Functions' limit on an execution input, a state's payload and a task output; SQS's on a message body (bytes, UTF-8). */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** Raised for an execution input Step Functions would refuse; the message names the flag and the rule. */
export class ExecutionInputError extends Error {
  override readonly name = 'ExecutionInputError';
}

/**
 * The execution input as the definition needs it: a JSON object (the processing Lambda adds
 * fields to it) of at most 256 KiB (StartExecution refuses more with a ValidationException).
 */
export function checkExecutionInput(flag: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new ExecutionInputError(`${flag} must be a JSON object (the workflow adds execution_id and info to it), got ${kind}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new ExecutionInputError(
      `${flag} is ${bytes} bytes; Step Functions accepts an execution input of at most ${PAYLOAD_LIMIT_BYTES} bytes (StartExecution answers ValidationException)`,
    );
  }
  return value as Record<string, unknown>;
}
