/**
 * The artifact layout: where every generated file lives under `dist/` and, identically, under the
 * key prefix in the artifact bucket (docs/original.md section 1). This is the one place that builds
 * artifact paths and keys; synth, build, publish, deploy and the root stack's TemplateURLs use it.
 */
import { createHash } from 'node:crypto';

/** Key prefix used in the artifact bucket when the configuration names none. */
export const DEFAULT_KEY_PREFIX = 'bellflower';

/** Template paths relative to `dist/` and to the key prefix. */
export const TEMPLATE_PATHS = {
  root: 'cft/bellflower-root-stack.yaml',
  iam: 'cft/nested-stacks/iam-role-stack.yaml',
  lambda: 'cft/nested-stacks/lambda-function-stack.yaml',
  s3: 'cft/nested-stacks/s3-stack.yaml',
  sns: 'cft/nested-stacks/sns-stack.yaml',
  sqs: 'cft/nested-stacks/sqs-stack.yaml',
  cross: 'cft/cross-stacks/custom-resource-lambda-stack.yaml',
} as const;

/**
 * The bootstrap stack's template relative to `dist/` (where the lint tests write it). Never
 * published: `npm run bootstrap` sends it as the change set's template body, since the artifact
 * bucket may not exist yet.
 */
export const BOOTSTRAP_TEMPLATE_PATH = 'cft/bootstrap/bellflower-bootstrap-stack.yaml';

/** Identifies one emitted template. */
export type TemplateName = keyof typeof TEMPLATE_PATHS;

/** The templates the root stack nests (TemplateURL), in the order of TEMPLATE_PATHS. */
export const NESTED_TEMPLATES = ['iam', 'lambda', 's3', 'sns', 'sqs'] as const satisfies readonly TemplateName[];

/** Identifies one nested template. */
export type NestedTemplateName = (typeof NESTED_TEMPLATES)[number];

/** The state machine definition, relative to `dist/` (published under a content-hashed key). */
export const STATE_MACHINE_PATH = 'state-machine/state-machine.json';

/** The four Lambda handlers: source folder under `handlers/` and zip name under `dist/code/`. */
export const HANDLERS = {
  processing: { dir: 'processing', zip: 'processing_lambda.zip' },
  integration: { dir: 'integration', zip: 'integration_lambda.zip' },
  s3Folders: { dir: 's3-folders', zip: 's3_folders_lambda.zip' },
  s3Notification: { dir: 's3-notification', zip: 's3_notification_lambda.zip' },
} as const;

/** Identifies one handler. */
export type HandlerName = keyof typeof HANDLERS;

/** Folder under `dist/` holding the handler zips and `code/manifest.json` (hash and size of each). */
export const CODE_DIR = 'code';

/** Build manifest written next to the zips: zip name -> sha256 (hex) and size in bytes. */
export const CODE_MANIFEST_PATH = `${CODE_DIR}/manifest.json`;

/** Path of a handler zip relative to `dist/`. */
export function codePath(handler: HandlerName): string {
  return `${CODE_DIR}/${HANDLERS[handler].zip}`;
}

/** Number of hex digits of the sha256 kept in content-addressed keys. */
export const HASH_LENGTH = 16;

/** Joins the key prefix and a path relative to `dist/`. */
export function artifactKey(prefix: string, relativePath: string): string {
  return `${prefix.replace(/\/+$/, '')}/${relativePath}`;
}

/** sha256 (hex) of some content: the hash of every content-addressed path and key. */
export function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Content-addressed path: `code/processing_lambda.zip` with hash `ab12...` becomes
 * `code/processing_lambda-ab12....zip` (first {@link HASH_LENGTH} hex digits), so that a changed
 * file always gets a new path and CloudFormation sees the change.
 */
export function contentPath(relativePath: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new Error(`contentPath: expected a sha256 hex digest, got "${sha256}"`);
  }
  const dot = relativePath.lastIndexOf('.');
  const stem = dot > relativePath.lastIndexOf('/') ? relativePath.slice(0, dot) : relativePath;
  const ext = dot > relativePath.lastIndexOf('/') ? relativePath.slice(dot) : '';
  return `${stem}-${sha256.slice(0, HASH_LENGTH)}${ext}`;
}

/**
 * Content-addressed key: `<prefix>/code/processing_lambda-ab12....zip` (see {@link contentPath}),
 * used for the Lambda code and the state machine definition.
 */
export function contentKey(prefix: string, relativePath: string, sha256: string): string {
  return artifactKey(prefix, contentPath(relativePath, sha256));
}

/**
 * Content-addressed path of a nested template from its exact bytes, e.g.
 * `cft/nested-stacks/iam-role-stack-ab12cd34ef56ab78.yaml`. The root stack's TemplateURLs point
 * there (CloudFormation re-reads a nested template only when its URL changes, as with
 * `aws cloudformation package`); publish uploads the template under this path too.
 */
export function nestedTemplatePath(name: NestedTemplateName, body: string | Uint8Array): string {
  return contentPath(TEMPLATE_PATHS[name], sha256Hex(body));
}
