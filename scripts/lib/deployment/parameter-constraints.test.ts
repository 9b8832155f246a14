import { describe, expect, it } from 'vitest';
import { PARAMETERS } from '../../../templates/parameters';
import { checkBucketName, checkParameterValue, checkParameterValues } from './parameter-constraints';

describe('parameter values against the templates\' declared constraints', () => {
  it('accepts every default of the parameter catalog', () => {
    const defaults = Object.fromEntries(
      Object.entries(PARAMETERS).flatMap(([name, spec]) => ('Default' in spec && spec.Default !== undefined ? [[name, String(spec.Default)]] : [])),
    );
    expect(Object.keys(defaults).length).toBeGreaterThan(30);
    expect(checkParameterValues(PARAMETERS, defaults)).toEqual([]);
  });

  it('rejects values outside the range, allowed values, length or pattern, naming parameter, value and rule', () => {
    expect(checkParameterValues(PARAMETERS, { LambdaFunctionMemory: '99999' })).toEqual([
      'parameter LambdaFunctionMemory = "99999" is above the maximum 10240',
    ]);
    expect(checkParameterValues(PARAMETERS, { LambdaLogLevel: 'TRACE' })).toEqual([
      'parameter LambdaLogLevel = "TRACE" is not one of DEBUG, INFO, WARN, ERROR',
    ]);
    expect(checkParameterValues(PARAMETERS, { LogRetentionInDays: '2' })).toEqual([
      expect.stringMatching(/^parameter LogRetentionInDays = "2" is not one of 1, 3, 5, 7, 14/),
    ]);
    expect(checkParameterValues(PARAMETERS, { DelaySeconds: 'soon' })).toEqual(['parameter DelaySeconds = "soon" is not a number']);
    expect(checkParameterValues(PARAMETERS, { SNSTopicBaseName: '9-starts-with-digit' })).toEqual([
      'parameter SNSTopicBaseName = "9-starts-with-digit" does not match ^[a-zA-Z][a-zA-Z0-9_-]*$ (starts with a letter; letters, digits, hyphens, underscores)',
    ]);
    expect(checkParameterValue('ProjectName', PARAMETERS.ProjectName, 'abc')).toEqual([
      expect.stringMatching(/^parameter ProjectName = "abc" is shorter than 5 characters/),
    ]);
  });

  it('rejects turning off any public access block flag of the integration bucket (it holds live task tokens), saying why', () => {
    const off = Object.fromEntries(
      ['S3BucketBlockPublicAcls', 'S3BucketBlockPublicPolicy', 'S3BucketIgnorePublicAcls', 'S3BucketRestrictPublicBuckets'].map((name) => [name, 'false']),
    );
    const problems = checkParameterValues(PARAMETERS, off);
    expect(problems).toHaveLength(4);
    for (const problem of problems) expect(problem).toMatch(/= "false" is not one of true \(must be true: the integration bucket holds live task tokens/);
  });

  it('matches AllowedPattern against the whole value, as CloudFormation does', () => {
    expect(checkParameterValue('P', { AllowedPattern: '[a-z]+' }, 'abc')).toEqual([]);
    expect(checkParameterValue('P', { AllowedPattern: '[a-z]+' }, 'abc1')).toEqual(['parameter P = "abc1" does not match [a-z]+']);
  });

  it('ignores values of parameters a template does not declare', () => {
    expect(checkParameterValues(PARAMETERS, { NotAParameter: 'x' })).toEqual([]);
  });
});

describe('S3 bucket names', () => {
  it('accepts a valid name', () => {
    expect(checkBucketName('bellflower-integration-bucket-devl-us-east-1', 'bucket')).toEqual([]);
  });

  it.each([
    ['a..b', 'must not contain two adjacent dots'],
    ['192.168.5.4', 'must not look like an IP address'],
    ['xn--bucket', 'must not start with "xn--"'],
    ['bucket-s3alias', 'must not end with "-s3alias"'],
    ['Bucket', 'may hold only lowercase letters'],
    ['-bucket', 'must start and end with a letter or digit'],
    ['ab', 'is 2 characters long'],
    ['a'.repeat(64), 'is 64 characters long'],
  ])('rejects %s (%s)', (name, rule) => {
    expect(checkBucketName(name, 'artifactBucket').join('\n')).toContain(rule);
  });
});
