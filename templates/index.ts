/**
 * Every emitted template, built and in plain-data form, keyed like TEMPLATE_PATHS, and its
 * YAML text. The nested templates are rendered first: the root stack's TemplateURLs carry the
 * hash of their exact YAML bytes (see `nestedTemplatePath` in layout.ts).
 */
import { toPlain } from './common';
import { buildCustomResourceLambdaStack } from './custom-resource-lambda-stack';
import { buildIamRoleStack } from './iam-role-stack';
import { buildLambdaFunctionStack } from './lambda-function-stack';
import { NESTED_TEMPLATES, nestedTemplatePath, TEMPLATE_PATHS, type NestedTemplateName, type TemplateName } from './layout';
import { buildRootStack } from './root-stack';
import { buildS3Stack } from './s3-stack';
import { buildSnsStack } from './sns-stack';
import { buildSqsStack } from './sqs-stack';
import { toYaml } from './yaml';

/** A template as plain data (what the YAML file holds). */
export type TemplateObject = Record<string, unknown>;

const BUILDERS: Record<Exclude<TemplateName, 'root'>, () => Record<string, unknown>> = {
  iam: buildIamRoleStack,
  lambda: buildLambdaFunctionStack,
  s3: buildS3Stack,
  sns: buildSnsStack,
  sqs: buildSqsStack,
  cross: buildCustomResourceLambdaStack,
};

/** All seven templates: objects, YAML texts and the content-addressed paths the root references. */
export interface RenderedTemplates {
  readonly objects: Readonly<Record<TemplateName, TemplateObject>>;
  /** The exact file contents; the nested paths below are hashes of these texts (UTF-8). */
  readonly texts: Readonly<Record<TemplateName, string>>;
  readonly nestedTemplatePaths: Readonly<Record<NestedTemplateName, string>>;
}

/** Builds and serializes all seven templates, the nested ones before the root. */
export function renderTemplates(): RenderedTemplates {
  const objects = Object.fromEntries(Object.entries(BUILDERS).map(([name, build]) => [name, toPlain(build())])) as Record<
    TemplateName,
    TemplateObject
  >;
  const texts = Object.fromEntries(Object.entries(objects).map(([name, object]) => [name, toYaml(object)])) as Record<TemplateName, string>;
  const nestedTemplatePaths = Object.fromEntries(
    NESTED_TEMPLATES.map((name) => [name, nestedTemplatePath(name, texts[name])]),
  ) as Record<NestedTemplateName, string>;
  objects.root = toPlain(buildRootStack({ nestedTemplatePaths }));
  texts.root = toYaml(objects.root);
  return { objects: inLayoutOrder(objects), texts: inLayoutOrder(texts), nestedTemplatePaths };
}

const inLayoutOrder = <T>(byName: Record<TemplateName, T>): Record<TemplateName, T> =>
  Object.fromEntries((Object.keys(TEMPLATE_PATHS) as TemplateName[]).map((name) => [name, byName[name]])) as Record<TemplateName, T>;

/** Builds all seven templates as plain data. */
export function buildTemplates(): Record<TemplateName, TemplateObject> {
  return { ...renderTemplates().objects };
}
