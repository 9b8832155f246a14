/** Every emitted template, built and in plain-data form, keyed like {@link TEMPLATE_PATHS}. */
import { toPlain } from './common';
import { buildCustomResourceLambdaStack } from './custom-resource-lambda-stack';
import { buildIamRoleStack } from './iam-role-stack';
import { buildLambdaFunctionStack } from './lambda-function-stack';
import type { TemplateName } from './layout';
import { buildRootStack } from './root-stack';
import { buildS3Stack } from './s3-stack';
import { buildSnsStack } from './sns-stack';
import { buildSqsStack } from './sqs-stack';

/** A template as plain data (what the YAML file holds). */
export type TemplateObject = Record<string, unknown>;

const BUILDERS: Record<TemplateName, () => Record<string, unknown>> = {
  root: buildRootStack,
  iam: buildIamRoleStack,
  lambda: buildLambdaFunctionStack,
  s3: buildS3Stack,
  sns: buildSnsStack,
  sqs: buildSqsStack,
  cross: buildCustomResourceLambdaStack,
};

/** Builds all seven templates as plain data. */
export function buildTemplates(): Record<TemplateName, TemplateObject> {
  return Object.fromEntries(
    Object.entries(BUILDERS).map(([name, build]) => [name, toPlain(build())]),
  ) as Record<TemplateName, TemplateObject>;
}
