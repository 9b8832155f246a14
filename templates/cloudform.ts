/**
 * The one access point to cloudform's typed resources and intrinsic functions.
 *
 * cloudform's index (and cloudform-types' index) loads all of its ~240 service namespaces, about
 * one second of module loading on these machines, several times the whole synthesis. So the
 * types come from `cloudform` (type-only imports, erased at run time) and the run-time values
 * from the few cloudform-types modules the templates use. These are CommonJS modules whose
 * namespaces are the `default` export.
 */
import { createRequire } from 'node:module';
import type * as Cloudform from 'cloudform';

const require = createRequire(import.meta.url);

function load<T>(path: string): T {
  const loaded = require(`cloudform-types/types/${path}`) as { default?: T } & T;
  return loaded.default ?? loaded;
}

/** The part of cloudform the templates use: intrinsic functions, pseudo parameters, resource classes. */
export const cf = {
  Fn: load<typeof Cloudform.Fn>('functions'),
  Refs: load<typeof Cloudform.Refs>('refs'),
  IntrinsicFunction: (require('cloudform-types/types/dataTypes') as typeof Cloudform).IntrinsicFunction,
  CloudFormation: load<typeof Cloudform.CloudFormation>('cloudFormation'),
  IAM: load<typeof Cloudform.IAM>('iam'),
  KMS: load<typeof Cloudform.KMS>('kms'),
  Lambda: load<typeof Cloudform.Lambda>('lambda'),
  Logs: load<typeof Cloudform.Logs>('logs'),
  S3: load<typeof Cloudform.S3>('s3'),
  SNS: load<typeof Cloudform.SNS>('sns'),
  SQS: load<typeof Cloudform.SQS>('sqs'),
  StepFunctions: load<typeof Cloudform.StepFunctions>('stepFunctions'),
};

export type { IntrinsicFunction, Value, Template, ResourceTag } from 'cloudform';
