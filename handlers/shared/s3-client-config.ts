/**
 * Client configuration shared by the handlers' S3 clients.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Environment } from './env';

/**
 * Path-style addressing when a custom endpoint is configured (moto, s3rver and other emulators
 * serve `http://host:port/<bucket>/<key>`, not virtual-hosted buckets); AWS itself keeps the
 * SDK default. The endpoint itself is read by the SDK from the same variables.
 */
export function s3ClientConfig(env: Environment = process.env): S3ClientConfig {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {};
}
