/**
 * AWS's payload quotas, as the local engine applies them, so that what fails in AWS fails locally:
 * Step Functions' 256 KiB for the execution input, every state's input (after `Parameters`) and
 * output, and the output given to `SendTaskSuccess`; SQS's 256 KiB message body. Sizes are
 * counted as AWS counts them: bytes of the JSON text in UTF-8.
 */

/** 256 KiB: Step Functions' payload quota and the SQS message size the template's queue accepts. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** An error answered by an emulated AWS API; `name` is AWS's error code. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = code;
  }
}

/** Bytes of `value` as JSON text in UTF-8 (a string counts as the text it is). */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'));
}

/** `262,144 bytes (256 KiB)`: how the messages name the quota. */
export const LIMIT_TEXT = `${PAYLOAD_LIMIT_BYTES.toLocaleString('en-US')} bytes (256 KiB)`;

/** What StartExecution answers for an input over the quota. */
export function executionInputTooLarge(bytes: number): AwsServiceError {
  return new AwsServiceError(
    'InvalidExecutionInput',
    `StartExecution refuses the input (InvalidExecutionInput): it is ${bytes.toLocaleString('en-US')} bytes; Step Functions accepts at most ${LIMIT_TEXT}`,
  );
}

/** Throws what StartExecution answers ({@link executionInputTooLarge}) for an input over the quota. */
export function checkExecutionInputSize(input: unknown): void {
  const bytes = payloadBytes(input);
  if (bytes > PAYLOAD_LIMIT_BYTES) throw executionInputTooLarge(bytes);
}

/** Error and cause of the terminal `States.DataLimitExceeded` (not caught by `States.ALL`, never retried). */
export function dataLimitExceeded(state: string, what: 'input' | 'result' | 'output', bytes: number): { error: string; cause: string } {
  const subject = what === 'input' ? `the input of the state/task '${state}' (after Parameters)` : `the state/task '${state}' ${what === 'result' ? 'returned a result' : 'produced an output'}`;
  return {
    error: 'States.DataLimitExceeded',
    cause: `${subject} with a size exceeding the maximum number of bytes service limit (${bytes.toLocaleString('en-US')} bytes > ${LIMIT_TEXT})`,
  };
}

/** What the SQS integration reports for a message body over SQS's quota (a catchable task error). */
export function sqsMessageTooLong(): { error: string; cause: string } {
  return {
    error: 'SQS.AmazonSQSException',
    cause: `One or more parameters are invalid. Reason: Message must be shorter than ${PAYLOAD_LIMIT_BYTES} bytes. (Service: AmazonSQS; Status Code: 400; Error Code: InvalidParameterValue)`,
  };
}
