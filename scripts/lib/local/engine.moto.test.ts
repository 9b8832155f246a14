/**
 * Wiring of the local engine with tiny stand-in handlers (no build needed): the emulated AWS
 * pieces, the definition changes, and the external-endpoint mode against moto's S3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStateMachine } from '../../../asl/state-machine';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { startLocalEngine } from './engine';
import { standInHandlers } from './stand-ins';

describe.runIf(requireTool('moto_server'))('local engine against an external S3 endpoint (moto)', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('raises S3 events by listing the bucket and completes an execution', async () => {
    const engine = await startLocalEngine({
      definition: buildStateMachine(),
      loadHandlers: async () => standInHandlers(),
      endpoint: moto.endpoint,
      delayScale: 0,
    });
    try {
      const report = await engine.run({ input: { via: 'moto' } });
      expect(report.status).toBe('SUCCEEDED');
      expect(report.timeline.filter((e) => e.kind === 'file-written')).toHaveLength(3);
    } finally {
      await engine.stop();
    }
  });
});

