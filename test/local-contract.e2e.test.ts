/**
 * The IAM contract held against what the real handler bundles do in the local run: every AWS call
 * the processing and integration bundles log (`aws_call`, at DEBUG) during a success, a business
 * failure and a processing failure must have an entry for that function in the contract.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { awsCallsIn } from '../handlers/shared/aws-calls';
import { buildHandlers } from '../scripts/lib/build/build';
import { loadLocalDefinition } from '../scripts/lib/local/artifacts';
import { loadWorkflowBundles } from '../scripts/lib/local/bundles';
import { startLocalEngine, type LocalEngine } from '../scripts/lib/local/engine';
import { callsOutsideContract } from './support/contract-calls';

// The processing function calls no AWS API: its contract entries are the Lambda service's only.

describe('AWS calls of the bundled functions in the local run', () => {
  let outDir: string;
  let engine: LocalEngine;
  let output = '';

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bellflower-contract-e2e-'));
    await buildHandlers({ outDir });
    const definition = await loadLocalDefinition({ distDir: outDir, synthesize: true });
    engine = await startLocalEngine({ definition, loadHandlers: () => loadWorkflowBundles(outDir), delayScale: 0, logLevel: 'DEBUG' });
  });
  afterAll(async () => {
    await engine?.stop();
    await rm(outDir, { recursive: true, force: true });
  });

  it('makes only calls its role is granted, in every path', async () => {
    // Powertools writes each log line to stdout or stderr; both are read for `aws_call` lines.
    const capture = (chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    };
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const statuses = [
        (await engine.run({ input: { order: 1 } })).status,
        (await engine.run({ input: { order: 2 }, answer: 'failure' })).status,
        (await engine.run({ input: { order: 3, simulateFailure: true } })).status,
      ];
      expect(statuses).toEqual(['SUCCEEDED', 'FAILED', 'FAILED']);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    // Each log line names the function that wrote it (the Lambda context's function_name).
    const callsOf = (fn: string) =>
      awsCallsIn(
        output
          .split('\n')
          .filter((line) => line.includes(`"function_name":"${fn}`))
          .join('\n'),
      );
    const integration = callsOf('bellflower-integration-lambda');
    expect(integration).toEqual(expect.arrayContaining(['S3.PutObject', 'S3.GetObject', 'SFN.SendTaskSuccess', 'SFN.SendTaskFailure']));
    expect(callsOutsideContract('integration', integration)).toEqual([]);
    expect(callsOf('bellflower-processing-lambda')).toEqual([]);
    expect(awsCallsIn(output)).toHaveLength(integration.length);
  });
});
