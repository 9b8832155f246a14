/**
 * `bellflower invoke` on moto: the integration handler, given the sample SQS event of
 * `bellflower event sqs`, writes the task token and the data to outbound/<uuid>/ of the bucket the
 * environment names, through the endpoint of the shell (AWS_ENDPOINT_URL), as it does in AWS.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment } from '../test/support/bellflower-cli';
import { startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';

const ID = '0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c';
const BUCKET = 'bellflower-integration-invoke';

describe.runIf(requireTool('moto_server'))('bellflower invoke integration on moto', () => {
  let moto: MotoServer;
  let home: string;
  let s3: S3Client;
  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'bellflower-invoke-moto-'));
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('writes the task token of the sample SQS message to outbound/<uuid>/ and reports no batch item failure', async () => {
    const sample = await bellflower(['event', 'sqs', '--execution-id', ID]);
    const token = (JSON.parse((JSON.parse(sample.stdout) as { Records: { body: string }[] }).Records[0]!.body) as { TaskToken: string }).TaskToken;
    const result = await bellflower(['invoke', 'integration', '--event', '-', '--env-var', `S3_BUCKET_NAME=${BUCKET}`], emulatorEnvironment(home, moto.endpoint), { stdin: sample.stdout });
    expect(result.stderr).not.toMatch(/invoke: /);
    expect(JSON.parse(result.stdout)).toEqual({ batchItemFailures: [] });
    expect(result.code).toBe(0);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `outbound/${ID}/` }));
    expect(listed.Contents?.map((object) => object.Key).sort()).toEqual([`outbound/${ID}/data.json`, `outbound/${ID}/task_token.txt`]);
    const written = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `outbound/${ID}/task_token.txt` }));
    expect(await written.Body?.transformToString()).toBe(token);
  });

  it('fails with exit code 1 naming the missing variable when the function\'s environment lacks S3_BUCKET_NAME', async () => {
    const sample = await bellflower(['event', 'sqs', '--execution-id', ID]);
    const result = await bellflower(['invoke', 'integration', '--event', '-'], emulatorEnvironment(home, moto.endpoint), { stdin: sample.stdout });
    expect(result.stderr).toMatch(/invoke: .*S3_BUCKET_NAME/);
    expect(result.code).toBe(1);
  });
});
