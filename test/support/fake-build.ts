/**
 * A small stand-in for `dist/` (7 templates, 4 handler zips, the definition) for the publish and
 * deploy tests, written into a temporary folder. The cross template is a real, deployable one
 * (roles + functions from code in the artifact bucket + exports) that moto can create.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { stringify } from 'yaml';
import { definitionText, type StateMachineOptions } from '../../asl/state-machine';
import { codePath, HANDLERS, STATE_MACHINE_PATH, TEMPLATE_PATHS, type HandlerName } from '../../templates/layout';
import { CROSS_EXPORTS, CROSS_PARAMS, ROOT_PARAMS } from '../../templates/names';

/** A minimal cross stack: one role and one function per custom resource, exported as in the real one. */
export function fakeCrossTemplate(options: { readonly roleName?: string } = {}): Record<string, unknown> {
  const parameters: Record<string, unknown> = Object.fromEntries(Object.values(CROSS_PARAMS).map((name) => [name, { Type: 'String' }]));
  parameters[CROSS_PARAMS.projectName] = { Type: 'String', Default: 'bellflower' };
  // A parameter the real cross stack declares too, for the tests of configuration overrides.
  parameters.LambdaLogLevel = { Type: 'String', Default: 'INFO' };
  const fn = (codeKeyParam: string, roleId: string) => ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Code: { S3Bucket: { Ref: CROSS_PARAMS.artifactBucket }, S3Key: { Ref: codeKeyParam } },
    },
  });
  const role = (name: string) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: { 'Fn::Sub': `${name}-\${Environment}-\${AWS::Region}` },
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    },
  });
  const exported = (suffix: string, value: unknown) => ({
    Value: value,
    Export: { Name: { 'Fn::Sub': `\${AWS::StackName}-${suffix}` } },
  });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: parameters,
    Resources: {
      FolderRole: role(options.roleName ?? 'folder-role'),
      NotificationRole: role('notification-role'),
      FolderFunction: fn(CROSS_PARAMS.s3FoldersCodeKey, 'FolderRole'),
      NotificationFunction: fn(CROSS_PARAMS.s3NotificationCodeKey, 'NotificationRole'),
    },
    Outputs: {
      S3CustomResourceLambdaFunctionExecutionRoleArn: exported(CROSS_EXPORTS.s3FoldersRoleArn, { 'Fn::GetAtt': ['FolderRole', 'Arn'] }),
      S3CustomResourceLambdaFunctionArn: exported(CROSS_EXPORTS.s3FoldersFunctionArn, { 'Fn::GetAtt': ['FolderFunction', 'Arn'] }),
      S3NotificationCustomResourceLambdaFunctionExecutionRoleArn: exported(CROSS_EXPORTS.s3NotificationRoleArn, {
        'Fn::GetAtt': ['NotificationRole', 'Arn'],
      }),
      S3NotificationCustomResourceLambdaFunctionArn: exported(CROSS_EXPORTS.s3NotificationFunctionArn, {
        'Fn::GetAtt': ['NotificationFunction', 'Arn'],
      }),
    },
  };
}

/** A root template declaring the parameters deploy sets plus a few tuning parameters (no resources worth deploying). */
export function fakeRootTemplate(): Record<string, unknown> {
  const parameters: Record<string, unknown> = Object.fromEntries(
    Object.values(ROOT_PARAMS).map((name) => [name, { Type: 'String' }]),
  );
  parameters[ROOT_PARAMS.projectName] = { Type: 'String', Default: 'bellflower' };
  parameters.DelaySeconds = { Type: 'Number', Default: 0 };
  parameters.VisibilityTimeout = { Type: 'Number', Default: 1800 };
  parameters.LambdaFunctionTimeoutSecs = { Type: 'Number', Default: 300 };
  parameters.LambdaFunctionMemory = { Type: 'Number', Default: 256, MinValue: 128, MaxValue: 10_240 };
  parameters.S3IntegrationBucketName = { Type: 'String', Default: 'bellflower-integration-bucket' };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: parameters,
    Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
    Outputs: { BellflowerReportResultsSNSTopicArn: { Value: { Ref: 'Topic' } } },
  };
}

/** Writes a fake build into a new temporary folder (or `dir`) and returns the folder. */
export function writeFakeBuild(
  options: {
    readonly dir?: string;
    readonly codeSeed?: string;
    readonly cross?: Record<string, unknown>;
    /** The callback settings of the definition, as an environment's configuration gives them. @default none */
    readonly definition?: StateMachineOptions;
  } = {},
): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bellflower-dist-'));
  const write = (path: string, body: string | Uint8Array): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  };
  for (const [name, path] of Object.entries(TEMPLATE_PATHS)) {
    const template =
      name === 'cross'
        ? (options.cross ?? fakeCrossTemplate())
        : name === 'root'
          ? fakeRootTemplate()
          : { AWSTemplateFormatVersion: '2010-09-09', Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };
    write(path, stringify(template));
  }
  for (const handler of Object.keys(HANDLERS) as HandlerName[]) {
    const source = `export const handler = async () => ${JSON.stringify(`${handler}${options.codeSeed ?? ''}`)};\n`;
    // Fixed mtime: the same input gives the same bytes, as the real build does.
    write(codePath(handler), zipSync({ 'index.mjs': [strToU8(source), { mtime: new Date('2020-01-01T00:00:00Z') }] }));
  }
  write(STATE_MACHINE_PATH, definitionText(options.definition));
  return dir;
}
