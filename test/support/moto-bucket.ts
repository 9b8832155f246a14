/**
 * Test support: one moto server per `describe` block, reset before each test with a fresh bucket.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startMoto, type MotoServer } from './moto';

/** The server and an S3 client for it; set once `beforeAll` ran. */
export interface MotoBucket {
  moto: MotoServer;
  s3: S3Client;
}

/** Registers the hooks in the calling `describe` block; read the fields inside tests and hooks. */
export function useMotoBucket(bucket: string): MotoBucket {
  const state = {} as MotoBucket;
  beforeAll(async () => {
    state.moto = await startMoto();
    state.s3 = new S3Client(state.moto.clientConfig);
  });
  afterAll(async () => {
    await state.moto?.stop();
  });
  beforeEach(async () => {
    await state.moto.reset();
    await state.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  return state;
}
