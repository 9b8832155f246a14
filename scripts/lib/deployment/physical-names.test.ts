/**
 * The preflight's exact check of the physical names (templates/physical-names.ts read from the
 * templates, `checkNameLengths` in preflight.ts): for an environment's actual name and region it
 * accepts exactly the names within AWS's limits. The deployer-policy and handler-contract tests
 * evaluate the templates at the longest values it accepts and prove the grants cover them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { renderTemplates } from '../../../templates/index';
import { NAME_LIMITS } from '../../../templates/physical-names';
import { longestAcceptedParameters, LONGEST_REGION, nameProblems, stackParameters } from '../../../test/support/longest-names';
import { type BellflowerConfig } from '../core/config';
import { checkNameLengths, type StackParameters } from './preflight';

let declared: StackParameters;
beforeAll(async () => {
  declared = await stackParameters();
});

describe('the physical names the preflight checks', () => {
  it('are every name property the templates set, plus the role bootstrap creates', () => {
    // Counted independently: every name property of every resource, at any depth, whose value the stack computes.
    let counted = 0;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key in NAME_LIMITS && (typeof value === 'string' || (typeof value === 'object' && value !== null && ('Fn::Sub' in value || 'Ref' in value)))) counted++;
        else visit(value);
      }
    };
    const { objects } = renderTemplates();
    // The lambda template is used twice by the root (processing and integration).
    for (const [name, template] of Object.entries(objects)) {
      const resources = Object.values((template.Resources ?? {}) as Record<string, { Properties?: unknown }>);
      for (let i = 0; i < (name === 'lambda' ? 2 : 1); i++) resources.forEach((r) => visit(r.Properties));
    }
    expect(declared.names.length).toBe(counted + 1);
    expect(new Set(declared.names.map((n) => n.property))).toEqual(new Set(Object.keys(NAME_LIMITS)));
  });
});

describe('the preflight\'s name check', () => {
  const config = (environment: string, region: string, parameters: Record<string, string> = {}): BellflowerConfig => ({
    environment,
    region,
    artifactBucket: 'bellflower-artifacts-names',
    keyPrefix: 'bellflower',
    crossStackName: `bellflower-s3-custom-resource-stack-${environment}`,
    rootStackName: `bellflower-root-stack-${environment}`,
    kmsKeyAlias: `bellflower-${environment}`,
    kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    subscriptionEmail: 'ops@bellflower.test',
    parameters,
  });

  it('accepts staging in us-east-1 with the default parameters (the original\'s role name among them)', () => {
    expect(declared.root.LambdaExecutionRoleName?.Default).toBe('bellflower-lambda-function-execution-role');
    expect(checkNameLengths(config('staging', 'us-east-1'), declared)).toEqual([]);
  });

  it('rejects staging in us-isof-south-1 with the default role name: 65 characters, naming the resource, the limit and both fixes', () => {
    expect(checkNameLengths(config('staging', LONGEST_REGION), declared)).toEqual([
      'the IAM role name "bellflower-lambda-function-execution-role-staging-us-isof-south-1" (BellflowerLambdaExecutionRole of the BellflowerIAMRole stack) is 65 characters, over AWS\'s limit of 64 (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html): shorten the environment name "staging" to at most 6 characters (a new config/<name>.json), or LambdaExecutionRoleName to at most 40 characters (--parameter LambdaExecutionRoleName=<name>, or "parameters" in config/staging.json)',
    ]);
    // The fix it names works.
    expect(checkNameLengths(config('staging', LONGEST_REGION, { LambdaExecutionRoleName: 'a'.repeat(40) }), declared)).toEqual([]);
  });

  it('accepts the longest environment name the default parameters allow in the longest region (6 characters) and rejects one character more', () => {
    expect(nameProblems(declared, 'qa-eu1', LONGEST_REGION, {})).toEqual([]);
    expect(nameProblems(declared, 'qa-euw1', LONGEST_REGION, {})).toEqual([expect.stringMatching(/^the IAM role name "bellflower-lambda-function-execution-role-qa-euw1-us-isof-south-1" .* is 65 characters/)]);
  });

  it('accepts, with the default parameters, 7 characters in a 14-character region and 8 in a 13-character one, as docs/deploying.md says, and rejects one more', () => {
    expect(nameProblems(declared, 'staging', 'ap-southeast-1', {})).toEqual([]);
    expect(nameProblems(declared, 'prod-eu1', 'us-gov-west-1', {})).toEqual([]);
    expect(nameProblems(declared, 'prod-eu1', 'ap-southeast-1', {})).toEqual([expect.stringContaining('is 65 characters, over AWS\'s limit of 64')]);
  });

  it('accepts the longest parameters an 8-character environment allows in the longest region, and rejects one character more of each', () => {
    const longest = longestAcceptedParameters(declared, 'prod-eu1', LONGEST_REGION);
    expect(nameProblems(declared, 'prod-eu1', LONGEST_REGION, longest)).toEqual([]);
    // The role and function base names have 64 - 25 = 39 characters, ProjectName 25 ("-s3-folders-cr-").
    expect(longest).toMatchObject({ LambdaExecutionRoleName: 'a'.repeat(39), ProcessingLambdaFunctionName: 'a'.repeat(39), ProjectName: 'a'.repeat(25), S3IntegrationBucketName: 'a'.repeat(38) });
    const bound = Object.entries(longest).filter(([name, value]) => value.length < (declared.root[name] ?? declared.cross[name])!.MaxLength!);
    expect(bound.length).toBeGreaterThanOrEqual(6);
    for (const [name, value] of bound) {
      const problems = nameProblems(declared, 'prod-eu1', LONGEST_REGION, { ...longest, [name]: `${value}a` });
      expect(problems.length, name).toBeGreaterThan(0);
      for (const problem of problems) expect(problem, name).toMatch(new RegExp(`over AWS's limit .*: shorten the environment name "prod-eu1" to at most 7 characters .*, or ${name} to at most ${value.length} characters`));
    }
  });
});
