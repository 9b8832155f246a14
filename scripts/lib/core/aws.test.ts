/**
 * What a command says about where it connects, and why AWS cannot be used: moto for a working
 * endpoint, a closed port for an unreachable one, errors shaped as the SDK throws them for the rest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkEndpoint, checkEndpointVariables, endpointDescription, sharedConfigRegions } from './aws';
import { nodeSupportNotice } from './node-notice';
import { AwsAccessError, awsAccessCause, classifyAwsError } from './aws-errors';
import { errorLines } from '../../cli/command';

const sdkError = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

describe('AWS errors told apart', () => {
  it('names an unreachable endpoint, with the emulator hint for a custom one', () => {
    const refused = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })]), { name: 'AggregateError' });
    const custom = classifyAwsError(refused, { endpoint: 'http://127.0.0.1:1 (AWS_ENDPOINT_URL)' });
    expect(custom).toMatchObject({ kind: 'connection', message: 'cannot reach http://127.0.0.1:1 (AWS_ENDPOINT_URL) (ECONNREFUSED): is the emulator running at that address? Check AWS_ENDPOINT_URL' });
    const aws = classifyAwsError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), { endpoint: 'AWS (https://cloudformation.eu-west-1.amazonaws.com)' });
    expect(aws?.message).toMatch(/^cannot reach AWS .* \(ENOTFOUND\): check the network, a proxy \(HTTPS_PROXY\) and the region$/);
  });

  it('names missing credentials, with the profile in the fix', () => {
    const error = sdkError('CredentialsProviderError', 'Could not load credentials from any providers');
    expect(classifyAwsError(error, { profile: 'ops' })?.message).toBe(
      'no AWS credentials for profile "ops" (Could not load credentials from any providers): run `aws configure --profile ops` or `aws sso login --profile ops`, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  });

  it('names refused credentials and a refused call differently', () => {
    expect(classifyAwsError(sdkError('ExpiredToken', 'The security token included in the request is expired', 403))?.message).toMatch(
      /^AWS refused the credentials \(ExpiredToken: .*\): they are invalid or expired; renew them/,
    );
    expect(classifyAwsError(sdkError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:CreateChangeSet', 403))?.message).toMatch(
      /^access denied \(AccessDenied: User: .* cloudformation:CreateChangeSet\): the credentials are valid but lack this permission/,
    );
    expect(classifyAwsError(sdkError('ValidationError', 'Stack with id x does not exist', 400))).toBeUndefined();
  });

  it('explains a library error whose cause is an access problem, on one line', () => {
    const wrapped = new Error('cannot create a change set for s: User is not authorized', { cause: sdkError('AccessDenied', 'User is not authorized', 403) });
    expect(awsAccessCause(wrapped)?.kind).toBe('denied');
    expect(errorLines('deploy', wrapped)).toEqual([
      'deploy: cannot create a change set for s: User is not authorized (the credentials are valid but lack this permission; grant it to that identity (docs/bootstrap.md, "Deployer policy") or use another --profile)',
    ]);
  });
});

describe('endpoints', () => {
  it('rejects an endpoint without a scheme, saying what to write', () => {
    expect(() => checkEndpoint('AWS_ENDPOINT_URL', 'localhost:4566')).toThrow(
      new AwsAccessError('endpoint', 'AWS_ENDPOINT_URL "localhost:4566" is not an http(s) URL', 'write the scheme, e.g. http://localhost:4566 for a local emulator or https://localhost:4566'),
    );
    expect(() => checkEndpoint('--endpoint', '127.0.0.1:5000')).toThrow(/--endpoint "127.0.0.1:5000" is not an http\(s\) URL: write the scheme, e.g. http:\/\/127.0.0.1:5000/);
    expect(() => checkEndpointVariables({ AWS_ENDPOINT_URL_S3: 'ftp://x' })).toThrow(/AWS_ENDPOINT_URL_S3 "ftp:\/\/x" is not an http\(s\) URL: write the scheme, e.g. http:\/\/x/);
    expect(() => checkEndpointVariables({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_S3: 'https://s3.example' })).not.toThrow();
  });

  it('describes the endpoint a command talks to', () => {
    expect(endpointDescription('eu-west-1', {}, {})).toBe('AWS (https://cloudformation.eu-west-1.amazonaws.com)');
    expect(endpointDescription('cn-north-1', {}, {})).toBe('AWS (https://cloudformation.cn-north-1.amazonaws.com.cn)');
    expect(endpointDescription('us-east-1', {}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toBe('http://127.0.0.1:5000 (AWS_ENDPOINT_URL)');
    expect(endpointDescription('us-east-1', {}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' })).toBe(
      'AWS (https://cloudformation.us-east-1.amazonaws.com), S3 http://127.0.0.1:9000 (AWS_ENDPOINT_URL_S3)',
    );
  });
});

describe('Node.js support notice', () => {
  it('is one line on Node.js before 22, none on 22+ or when the user switched the SDK notice off', () => {
    expect(nodeSupportNotice('v20.19.0', false)).toBe('note: Node.js 20.19.0: AWS SDK releases from January 2027 need Node.js 22 or later; upgrade Node.js');
    expect(nodeSupportNotice('v22.1.0', false)).toBeUndefined();
    expect(nodeSupportNotice('v20.19.0', true)).toBeUndefined();
  });
});

describe('profile regions from the shared config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bellflower-aws-config-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads each profile\'s region with the SDK\'s loader (AWS_CONFIG_FILE)', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, '[default]\nregion = eu-west-3\n\n[profile ops]\nregion = ap-southeast-2\noutput = json\n\n[profile bare]\noutput = json\n');
    vi.stubEnv('AWS_CONFIG_FILE', file);
    expect(await sharedConfigRegions()).toEqual({ default: 'eu-west-3', ops: 'ap-southeast-2' });
  });
});

