import { describe, expect, it } from 'vitest';
import { EnvironmentError, integerEnv, requireEnv } from './env';
import { redactToken } from './task-token';
import { s3ClientConfig } from './s3-client-config';

describe('requireEnv', () => {
  it('returns the trimmed value', () => {
    expect(requireEnv('S3_BUCKET_NAME', { S3_BUCKET_NAME: ' bucket ' })).toBe('bucket');
  });

  it('fails naming the missing variable', () => {
    expect(() => requireEnv('S3_BUCKET_NAME', {})).toThrow(EnvironmentError);
    expect(() => requireEnv('S3_BUCKET_NAME', { S3_BUCKET_NAME: '' })).toThrow(/S3_BUCKET_NAME is not set/);
  });
});

describe('integerEnv', () => {
  it('returns the fallback when unset and the number when set', () => {
    expect(integerEnv('SIMULATED_WORK_MS', 5000, {})).toBe(5000);
    expect(integerEnv('SIMULATED_WORK_MS', 5000, { SIMULATED_WORK_MS: '0' })).toBe(0);
  });

  it('rejects a value that is not a non-negative integer, naming it', () => {
    expect(() => integerEnv('SIMULATED_WORK_MS', 5000, { SIMULATED_WORK_MS: '5s' })).toThrow(
      /SIMULATED_WORK_MS must be a non-negative integer, got "5s"/,
    );
  });
});

describe('redactToken', () => {
  it('keeps the first 8 characters only', () => {
    expect(redactToken('AAAAAAAABBBBBBBBCCCC')).toBe('AAAAAAAA...');
  });
});

describe('s3ClientConfig', () => {
  it('uses path-style addressing only with a custom endpoint', () => {
    expect(s3ClientConfig({})).toEqual({});
    expect(s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' })).toEqual({ forcePathStyle: true });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toEqual({ forcePathStyle: true });
  });
});
