import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codePath, sha256Hex, STATE_MACHINE_PATH } from '../../../templates/layout';
import type { BellflowerConfig } from '../core/config';
import type { PublishManifest } from './manifest';
import { readSyncRecord, recordSynced, removeSyncRecord, replacedBySync, syncDriftProblems } from './sync-record';
import { refuseProduction, substituteDefinition, syncEnvironment, type SyncTargets } from './sync';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const key = (sha: string) => `bellflower/code/processing_lambda-${sha.slice(0, 16)}.zip`;
const manifest = (sha: string): PublishManifest => ({
  environment: 'devl',
  bucket: 'artifacts',
  prefix: 'bellflower',
  region: 'eu-west-1',
  artifacts: [{ path: 'code/processing_lambda.zip', key: key(sha), sha256: sha, size: 1 }],
});

describe('the sync record and deploy', () => {
  let dist: string | undefined;
  afterEach(() => {
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('keeps what each sync put on the stacks, per environment, until removed', () => {
    dist = mkdtempSync(join(tmpdir(), 'bellflower-sync-record-'));
    expect(readSyncRecord(dist, 'devl').artifacts).toEqual({});
    recordSynced(dist, 'devl', { 'code/processing_lambda.zip': { sha256: B, stackKey: key(A), syncedAt: 't1' } });
    recordSynced(dist, 'devl', { 'state-machine/state-machine.json': { sha256: C, stackKey: 'k', syncedAt: 't2' } });
    expect(Object.keys(readSyncRecord(dist, 'devl').artifacts).sort()).toEqual(['code/processing_lambda.zip', 'state-machine/state-machine.json']);
    expect(readSyncRecord(dist, 'test').artifacts).toEqual({});
    expect(removeSyncRecord(dist, 'devl')).toMatch(/sync\/devl\.json$/);
    expect(removeSyncRecord(dist, 'devl')).toBeUndefined();
  });

  it('rejects a deploy whose published key is the stack\'s while the function runs other synced bytes', () => {
    const record = { environment: 'devl', artifacts: { 'code/processing_lambda.zip': { sha256: B, stackKey: key(A), syncedAt: '2026-12-07T04:00:00.000Z' } } };
    const problems = syncDriftProblems(record, manifest(A), '/dist');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^the processing function's code is what `bellflower sync` put there at 2026-12-07T04:00:00\.000Z .*Run `bellflower sync --env devl`/);
    expect(replacedBySync(record, manifest(A))).toEqual([]);
  });

  it('lets a deploy through that replaces the synced code (a new key) or publishes the synced bytes', () => {
    const record = { environment: 'devl', artifacts: { 'code/processing_lambda.zip': { sha256: B, stackKey: key(A), syncedAt: 't' } } };
    expect(syncDriftProblems(record, manifest(C), '/dist')).toEqual([]);
    expect(syncDriftProblems(record, manifest(B), '/dist')).toEqual([]);
    expect(replacedBySync(record, manifest(C))).toEqual(["the processing function's code"]);
    const synchronizedBack = { environment: 'devl', artifacts: { 'code/processing_lambda.zip': { sha256: A, stackKey: key(A), syncedAt: 't' } } };
    expect(syncDriftProblems(synchronizedBack, manifest(A), '/dist')).toEqual([]);
  });
});

describe('sync', () => {
  it('substitutes the placeholders as DefinitionSubstitutions do, and rejects one the stack does not bind', () => {
    expect(substituteDefinition('{"Resource":"arn:${Partition}:states:::sqs:sendMessage","Q":"${Queue}"}', { Partition: 'aws-cn', Queue: 'https://q' })).toBe(
      '{"Resource":"arn:aws-cn:states:::sqs:sendMessage","Q":"https://q"}',
    );
    expect(() => substituteDefinition('{"A":"${New}","B":"${Other}"}', {})).toThrow(/the definition uses \$\{New\}, \$\{Other\}, which the deployed root stack does not substitute: deploy instead/);
  });

  it('rejects a production environment', () => {
    expect(() => refuseProduction({ environment: 'prod', production: true })).toThrow(/^refused: prod is a production environment/);
    expect(() => refuseProduction({ environment: 'live', production: true })).toThrow(/^refused: live is a production environment/);
    expect(() => refuseProduction({ environment: 'prod' })).not.toThrow();
    expect(() => refuseProduction({ environment: 'devl' })).not.toThrow();
  });
});

describe('a sync', () => {
  let dist: string | undefined;
  afterEach(() => {
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('records an update before sending it, and corrects an entry the deployed code contradicts', async () => {
    dist = mkdtempSync(join(tmpdir(), 'bellflower-sync-'));
    const zips = { processing: 'P', integration: 'I', s3Folders: 'F', s3Notification: 'N' } as const;
    const zipBytes = (handler: keyof typeof zips) => Buffer.from(zips[handler]);
    const calls: string[] = [];
    const lambda = {
      send: async (command: { constructor: { name: string }; input: { FunctionName: string } }) => {
        calls.push(`${command.constructor.name} ${command.input.FunctionName}`);
        if (command.constructor.name === 'UpdateFunctionCodeCommand') {
          // The record names the update before Lambda receives it.
          expect(readSyncRecord(dist!, 'devl').artifacts['code/integration_lambda.zip']?.sha256).toBe(sha256Hex(zipBytes('integration')));
          return {};
        }
        const handler = (Object.keys(zips) as (keyof typeof zips)[]).find((name) => command.input.FunctionName === name)!;
        // The integration function runs other code; the others run the tree.
        const deployed = handler === 'integration' ? Buffer.from('old') : zipBytes(handler);
        return { Configuration: { CodeSha256: Buffer.from(sha256Hex(deployed), 'hex').toString('base64'), LastUpdateStatus: 'Successful' } };
      },
    };
    const definition = '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}';
    const sfn = { send: async () => ({ definition }) };
    // A stale entry: the processing function is recorded as synced to other bytes than it runs.
    recordSynced(dist, 'devl', { 'code/processing_lambda.zip': { sha256: B, stackKey: key(A), syncedAt: 't0' } });
    const result = await syncEnvironment({
      config: { environment: 'devl', rootStackName: 'r', crossStackName: 'c' } as BellflowerConfig,
      clients: { cloudFormation: {} as CloudFormationClient, lambda: lambda as unknown as LambdaClient, sfn: sfn as unknown as SFNClient },
      distDir: dist,
      targets: {
        functions: Object.fromEntries(Object.keys(zips).map((name) => [name, { name, stackKey: key(A) }])) as SyncTargets['functions'],
        stateMachine: { arn: 'arn:aws:states:eu-west-1:1:stateMachine:s', stackKey: 'd' },
        substitutions: {},
      },
      build: async () => {
        for (const handler of Object.keys(zips) as (keyof typeof zips)[]) {
          mkdirSync(join(dist!, 'code'), { recursive: true });
          writeFileSync(join(dist!, codePath(handler)), zipBytes(handler));
        }
        mkdirSync(join(dist!, 'state-machine'), { recursive: true });
        writeFileSync(join(dist!, STATE_MACHINE_PATH), definition);
      },
      maxWaitSeconds: 5,
    });
    expect(result.changes.filter((change) => change.action === 'updated').map((change) => change.resource)).toEqual(['integration']);
    expect(calls.filter((call) => call.startsWith('UpdateFunctionCode'))).toEqual(['UpdateFunctionCodeCommand integration']);
    const artifacts = readSyncRecord(dist, 'devl').artifacts;
    expect(artifacts['code/processing_lambda.zip']?.sha256).toBe(sha256Hex(zipBytes('processing')));
    expect(Object.keys(artifacts).sort()).toEqual(['code/integration_lambda.zip', 'code/processing_lambda.zip']);
  });
});
