/**
 * `bellflower doctor` through the binary on moto: every check passing on a ready environment, and
 * the failures a user meets first (no emulator listening, no configuration), each with its fix and
 * exit code 1.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment } from '../test/support/bellflower-cli';
import { freePort, startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';
import { createAwsClients } from './lib/core/aws';
import type { Check } from './lib/deployment/doctor';

const BUCKET = 'bellflower-artifacts-doctor';

describe.runIf(requireTool('moto_server'))('bellflower doctor on moto', () => {
  let moto: MotoServer;
  let home: string;
  let configDir: string;
  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'bellflower-doctor-'));
    configDir = join(home, 'config');
    mkdirSync(configDir);
    writeFileSync(
      join(configDir, 'devl.json'),
      JSON.stringify({ region: 'us-east-1', artifactBucket: BUCKET, kmsKeyAlias: 'bellflower-devl', kmsKeyId: '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f', subscriptionEmail: 'ops@bellflower.test' }),
    );
    const clients = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.clientConfig.credentials });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    await moto?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  const env = (endpoint: string) => ({ ...emulatorEnvironment(home, endpoint), BELLFLOWER_CONFIG_DIR: configDir });

  it('passes every check of a ready environment: config, region, endpoint, credentials (STS) and artifact bucket', async () => {
    const result = await bellflower(['doctor', '--json'], env(moto.endpoint));
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    const byName = Object.fromEntries(report.checks.map((check) => [check.name, check]));
    expect(Object.keys(byName)).toEqual(['node', 'config', 'region', 'endpoint', 'credentials', 'artifact bucket', 'cli bundle', 'handler zips']);
    expect(byName.region).toMatchObject({ status: 'ok', detail: 'us-east-1 (AWS_REGION)' });
    expect(byName.endpoint).toMatchObject({ status: 'ok', detail: `${moto.endpoint} (AWS_ENDPOINT_URL) answers` });
    expect(byName.credentials).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^account 123456789012 \(arn:aws:sts::123456789012:user\/moto\) at http:\/\/127\.0\.0\.1:\d+ \(AWS_ENDPOINT_URL\)$/) });
    expect(byName['artifact bucket']).toMatchObject({ status: 'ok', detail: `s3://${BUCKET} exists in us-east-1, account 123456789012` });
    expect(byName.config!.status).toBe('ok');
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);
  });

  it('fails when nothing answers at the endpoint, saying how to start the emulator, with exit code 1', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const result = await bellflower(['doctor'], env(nobody));
    expect(result.stdout).toContain(`fail endpoint         nothing answers at ${nobody} (AWS_ENDPOINT_URL): ECONNREFUSED -> start it (\`bellflower emulator\`), or unset AWS_ENDPOINT_URL to use AWS`);
    expect(result.stdout).toMatch(/^fail credentials +cannot reach http:\/\/127\.0\.0\.1:\d+ \(AWS_ENDPOINT_URL\) \(ECONNREFUSED\)/m);
    expect(result.stdout).toMatch(/^doctor: \d checks failed$/m);
    expect(result.code).toBe(1);
  });

  it('fails an environment without a config file, naming the file, and still runs the other checks', async () => {
    const result = await bellflower(['doctor', '--env', 'prod'], env(moto.endpoint));
    expect(result.stdout).toMatch(/^fail config +--env prod: no .*prod\.json; configured: devl\. To add prod, copy one \(cp .*devl\.json .*prod\.json\)/m);
    expect(result.stdout).toMatch(/^ok {3}endpoint /m);
    expect(result.code).toBe(1);
  });
});
