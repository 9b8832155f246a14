/**
 * The Bellflower state machine as data (Amazon States Language). Every ARN and URL is a
 * `${Placeholder}` bound by the root stack's `DefinitionSubstitutions`; see {@link PLACEHOLDERS}.
 */

/** Placeholder names used in the definition; the root stack must bind exactly these. */
export const PLACEHOLDERS = {
  /** `aws`, `aws-cn`, `aws-us-gov`...: the service integration ARNs name the partition. */
  partition: 'Partition',
  processingLambda: 'ProcessingLambda',
  waitForResponseQueueUrl: 'WaitForResponseQueueURL',
  reportResultSnsTopicArn: 'ReportResultSNSTopicArn',
} as const;

/** State names, in the order of docs/original.md section 5. */
export const STATES = {
  processing: 'Processing Lambda',
  waitForResponse: 'Wait For Response',
  publishSuccess: 'SNS Publish (Success)',
  success: 'Success',
  publishFailure: 'SNS Publish (Failure)',
  fail: 'Fail',
} as const;

/** Options of the definition. */
export interface StateMachineOptions {
  /**
   * How long "Wait For Response" waits for the business application's answer before the
   * execution fails with `States.Timeout` and the failure notification is sent.
   * @default 86400 (one day)
   */
  readonly callbackTimeoutSeconds?: number;
  /**
   * When set, "Wait For Response" fails with `States.HeartbeatTimeout` (reported like a timeout)
   * unless the business application sends a heartbeat (`inbound/<uuid>/heartbeat.json`) at least
   * this often; it must be shorter than the callback timeout.
   * @default undefined (no heartbeat required)
   */
  readonly callbackHeartbeatSeconds?: number;
}

/**
 * Transient errors of the SNS publish the states retry; the error names Step Functions reports for
 * the service integration (`SNS.<exception>`).
 */
export const SNS_TRANSIENT_ERRORS = [
  'SNS.InternalErrorException',
  'SNS.ThrottledException',
  'SNS.KMSThrottlingException',
  'SNS.SdkClientException',
] as const;

/**
 * Errors of the SQS send of "Wait For Response" that are retried. Step Functions reports an error
 * answered by SQS (throttling included) as `SQS.AmazonSQSException`, the cause naming SQS's error
 * code ("(Service: AmazonSQS; Status Code: 400; Error Code: ...)"), and a request that never got
 * an answer as `SQS.SdkClientException`: the execution histories recorded against AWS in
 * LocalStack's tests/aws/services/stepfunctions/v2/error_handling/test_task_service_sqs.snapshot.json,
 * and moto's and LocalStack's state_task_service_sqs.py (`_ERROR_NAME_AWS`, `_ERROR_NAME_CLIENT`).
 * The modeled names (`SQS.KmsThrottledException`, `SQS.RequestThrottledException`) stay for an
 * SDK that reports them. `SQS.AmazonSQSException` also covers errors a retry cannot fix (a
 * missing queue, a denied key): they reach the failure notification 14 s later, with their cause.
 * Neither a business failure (the error name of failure.json), a `States.*` error (timeout,
 * missed heartbeat, data limit) is among them: those are never retried.
 */
export const SQS_TRANSIENT_ERRORS = [
  'SQS.AmazonSQSException',
  'SQS.SdkClientException',
  'SQS.KmsThrottledException',
  'SQS.RequestThrottledException',
] as const;

/** Retry of a service call: 2 s, 4 s, 8 s. */
const retryTransient = (errors: readonly string[]) => [{ ErrorEquals: [...errors], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }];

/** Default of {@link StateMachineOptions.callbackTimeoutSeconds}. */
export const DEFAULT_CALLBACK_TIMEOUT_SECONDS = 86_400;

/** Where "Wait For Response" puts the business application's answer in the execution state. */
export const RESPONSE_PATH = '$.response';

/** Step Functions' upper bound for a task's TimeoutSeconds (one year, the execution limit). */
const MAX_TIMEOUT_SECONDS = 31_536_000;

/**
 * What an execution may take besides the wait: the processing step's three attempts at Lambda's
 * longest timeout (3 x 900 s) and their retry intervals (5 s, 10 s), the SQS send's and the SNS
 * publishes' retries (2 s, 4 s, 8 s each) and their calls: under an hour.
 */
export const EXECUTION_MARGIN_SECONDS = 3_600;

/**
 * The execution's own TimeoutSeconds: the callback timeout plus {@link EXECUTION_MARGIN_SECONDS},
 * at most Step Functions' one-year limit. Every step has its own, shorter limit, so the
 * execution times out (States.Timeout, the `-executions-timed-out` alarm: there is no Catch at
 * that level and so no failure notification) only when something hangs past all of them.
 */
export const executionTimeoutSeconds = (callbackTimeoutSeconds: number): number =>
  Math.min(MAX_TIMEOUT_SECONDS, callbackTimeoutSeconds + EXECUTION_MARGIN_SECONDS);

const ph = (name: string): string => `\${${name}}`;

/**
 * The definition as synth writes it (`dist/state-machine/state-machine.json`): the exact bytes
 * publish hashes, so that deploy can tell whether the published definition is the one an
 * environment's configuration gives. Throws like {@link buildStateMachine}.
 */
export function definitionText(options: StateMachineOptions = {}): string {
  return `${JSON.stringify(buildStateMachine(options), null, 2)}\n`;
}

/** Builds the ASL definition object. Throws a RangeError for an invalid timeout. */
export function buildStateMachine(options: StateMachineOptions = {}): Record<string, unknown> {
  const timeout = options.callbackTimeoutSeconds ?? DEFAULT_CALLBACK_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
    throw new RangeError(
      `callbackTimeoutSeconds must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got ${timeout}`,
    );
  }
  const heartbeat = options.callbackHeartbeatSeconds;
  if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 1 || heartbeat >= timeout)) {
    throw new RangeError(
      `callbackHeartbeatSeconds must be a whole number of seconds from 1 to less than the callback timeout (${timeout}), got ${heartbeat}`,
    );
  }
  // No ResultPath: the error output ({ Error, Cause }) replaces the state (the default, "$"), so the
  // failure path works for any execution input, also one that is not a JSON object (a ResultPath
  // such as $.error would fail on it, and the execution would end without a failure notification).
  const catchAll = [{ ErrorEquals: ['States.ALL'], Next: STATES.publishFailure }];
  const integration = (name: string) => `arn:${ph(PLACEHOLDERS.partition)}:states:::${name}`;
  return {
    Comment:
      'Project Bellflower: run the processing Lambda, wait for the business application to answer through S3 (task token sent on SQS), then report the result on SNS.',
    StartAt: STATES.processing,
    TimeoutSeconds: executionTimeoutSeconds(timeout),
    States: {
      [STATES.processing]: {
        Type: 'Task',
        Resource: integration('lambda:invoke'),
        Parameters: { FunctionName: ph(PLACEHOLDERS.processingLambda), 'Payload.$': '$' },
        OutputPath: '$.Payload',
        // As in the original: three attempts in all (the first plus two retries), 5 s then 10 s apart.
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: catchAll,
        Next: STATES.waitForResponse,
      },
      [STATES.waitForResponse]: {
        Type: 'Task',
        Resource: integration('sqs:sendMessage.waitForTaskToken'),
        Parameters: {
          QueueUrl: ph(PLACEHOLDERS.waitForResponseQueueUrl),
          MessageBody: { 'Input.$': '$', 'TaskToken.$': '$$.Task.Token' },
        },
        // Without a timeout a lost answer would keep the execution open for a year.
        TimeoutSeconds: timeout,
        ...(heartbeat !== undefined ? { HeartbeatSeconds: heartbeat } : {}),
        Retry: retryTransient(SQS_TRANSIENT_ERRORS),
        // The business application's answer (success.json) is kept in the execution's output. The
        // integration function refuses (with a notice) an answer larger than the room the input
        // leaves under the 256 KiB state quota: States.DataLimitExceeded is not caught by States.ALL.
        ResultPath: RESPONSE_PATH,
        Catch: catchAll,
        Next: STATES.publishSuccess,
      },
      [STATES.publishSuccess]: {
        Type: 'Task',
        Resource: integration('sns:publish'),
        Parameters: {
          TopicArn: ph(PLACEHOLDERS.reportResultSnsTopicArn),
          Subject: 'Bellflower execution succeeded',
          // A bounded summary, not the state: the state holds up to 256 KiB (over SNS's 256 KB
          // message quota with the envelope) and the answer, which the e-mail need not carry.
          // The answer stays in the execution's output and in the integration bucket.
          Message: {
            'ExecutionId.$': '$$.Execution.Id',
            'execution_id.$': '$.execution_id',
            'answer.$': "States.Format('inbound/{}/success.json', $.execution_id)",
          },
        },
        // The execution's output keeps its data and the answer; the publish's MessageId alone goes
        // beside them (a bounded member the integration's answer budget reserves room for).
        ResultSelector: { 'MessageId.$': '$.MessageId' },
        ResultPath: '$.notification',
        Retry: retryTransient(SNS_TRANSIENT_ERRORS),
        Next: STATES.success,
      },
      [STATES.success]: { Type: 'Succeed' },
      [STATES.publishFailure]: {
        Type: 'Task',
        Resource: integration('sns:publish'),
        Parameters: {
          TopicArn: ph(PLACEHOLDERS.reportResultSnsTopicArn),
          Subject: 'Bellflower execution failed',
          Message: {
            'ExecutionId.$': '$$.Execution.Id',
            'Error.$': '$.Error',
            'Cause.$': '$.Cause',
          },
        },
        ResultSelector: { 'MessageId.$': '$.MessageId' },
        ResultPath: '$.notification',
        Retry: retryTransient(SNS_TRANSIENT_ERRORS),
        Next: STATES.fail,
      },
      [STATES.fail]: { Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' },
    },
  };
}

/** The placeholder names that occur in a definition (text), sorted. */
export function placeholdersIn(definitionText: string): string[] {
  return [...new Set([...definitionText.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}
