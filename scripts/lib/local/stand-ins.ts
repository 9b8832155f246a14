/**
 * Tiny stand-ins for the two workflow handlers, following the message and file contracts of the
 * team brief with the real AWS SDK configured only from the environment (as the bundles are).
 * Used by the engine's wiring tests so that they do not depend on a build.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { loadingEnvironment, type FunctionEnvironment } from './functions';
import type { WorkflowHandlers } from './lambda';

/** SDK client settings from a function's environment, as the SDK reads them from `process.env`. */
function clientConfig(env: FunctionEnvironment | NodeJS.ProcessEnv, endpoint: string | undefined) {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return {
    region: env.AWS_REGION,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
}

const checksums = (value: string | undefined): 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' => (value === 'WHEN_REQUIRED' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED');

/**
 * Builds the stand-ins from each function's environment: by default the one the engine hands over
 * while it loads the handlers (its `loadHandlers`), else `process.env`.
 */
export function standInHandlers(
  environments: { readonly processing?: FunctionEnvironment; readonly integration?: FunctionEnvironment } = {
    processing: loadingEnvironment('processing'),
    integration: loadingEnvironment('integration'),
  },
): WorkflowHandlers {
  const env = environments.integration ?? process.env;
  const s3 = new S3Client({
    ...clientConfig(env, env.AWS_ENDPOINT_URL_S3),
    requestChecksumCalculation: checksums(env.AWS_REQUEST_CHECKSUM_CALCULATION),
    responseChecksumValidation: checksums(env.AWS_RESPONSE_CHECKSUM_VALIDATION),
  });
  const sfn = new SFNClient(clientConfig(env, env.AWS_ENDPOINT_URL_SFN));
  const bucket = env.S3_BUCKET_NAME;
  const workMs = Number((environments.processing ?? process.env).SIMULATED_WORK_MS ?? '5000');
  return {
    async processing(event) {
      await new Promise((resolve) => setTimeout(resolve, workMs));
      const input = event as Record<string, unknown>;
      if (input.simulateFailure === true) throw new Error('Simulated processing failure');
      return { ...input, execution_id: randomUUID(), info: ['abcde'], status_code: 200 };
    },
    async integration(event) {
      if ('Records' in (event as object) && (event as SQSEvent).Records[0]?.eventSource === 'aws:sqs') {
        for (const record of (event as SQSEvent).Records) {
          const { Input, TaskToken } = JSON.parse(record.body) as { Input: { execution_id: string; info: string[] }; TaskToken: string };
          const folder = `outbound/${Input.execution_id}`;
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}/task_token.txt`, Body: TaskToken }));
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}/data.json`, Body: JSON.stringify({ info: Input.info }) }));
        }
        return { batchItemFailures: [] };
      }
      for (const record of (event as S3Event).Records) {
        const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
        const match = /^inbound\/([0-9a-f-]{36})\/(success|failure)\.json$/.exec(key);
        if (!match) continue;
        const token = await s3
          .send(new GetObjectCommand({ Bucket: bucket, Key: `outbound/${match[1]}/task_token.txt` }))
          .then((r) => r.Body!.transformToString())
          .catch(() => undefined);
        if (!token) continue;
        const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
        let answer: Record<string, string>;
        try {
          answer = text ? (JSON.parse(text) as Record<string, string>) : { status: 'Response Received' };
        } catch {
          continue;
        }
        await (match[2] === 'success'
          ? sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(answer) }))
          : sfn.send(new SendTaskFailureCommand({ taskToken: token, error: answer.error, cause: answer.cause })));
      }
      return undefined;
    },
  };
}
