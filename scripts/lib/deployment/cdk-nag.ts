/**
 * The AWS Solutions and Serverless rule packs of cdk-nag on synthesized templates, read through
 * CDK's CfnInclude. Exceptions are suppressed in each resource's Metadata (`cdk_nag`) with a
 * reason, so what remains is a finding. Used by `bellflower validate` and templates/cdk-nag.test.ts.
 *
 * Why the libraries are loaded with `require` and typed by the small interfaces below: the
 * declarations of aws-cdk-lib's root re-export its ~350 service modules (some 2,500 files), three
 * quarters of what the type-check would read for the whole program. tsconfig.cdk-nag.json checks
 * the real packages against {@link CdkNagModules} (templates/cdk-nag.test.ts passes them in).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Finding } from './findings';

/** What a construct of the CDK app is, as far as this module uses it. */
type Scope = object;

/** The parts of aws-cdk-lib, aws-cdk-lib/cloudformation-include and cdk-nag this module uses. */
export interface CdkNagModules {
  readonly App: new (props: { outdir: string; analyticsReporting: boolean; builtinCloudFormationValidation: boolean }) => Scope & {
    synth(): { readonly stacks: readonly { readonly messages: readonly { readonly id: string; readonly level: string; readonly entry: { readonly data?: unknown } }[] }[] };
  };
  readonly Stack: new (scope: any, id: string) => Scope;
  readonly Aspects: { of(scope: any): { add(aspect: any): void } };
  readonly CfnInclude: new (scope: any, id: string, props: { templateFile: string }) => Scope;
  readonly AwsSolutionsChecks: new () => object;
  readonly ServerlessChecks: new () => object;
}

/** Loads aws-cdk-lib and cdk-nag from the project's node_modules (only when `validate` runs). */
export function loadCdkNagModules(): CdkNagModules {
  const require = createRequire(import.meta.url);
  const cdk = require('aws-cdk-lib') as Pick<CdkNagModules, 'App' | 'Stack' | 'Aspects'>;
  const include = require('aws-cdk-lib/cloudformation-include') as Pick<CdkNagModules, 'CfnInclude'>;
  const nag = require('cdk-nag') as Pick<CdkNagModules, 'AwsSolutionsChecks' | 'ServerlessChecks'>;
  return { App: cdk.App, Stack: cdk.Stack, Aspects: cdk.Aspects, CfnInclude: include.CfnInclude, AwsSolutionsChecks: nag.AwsSolutionsChecks, ServerlessChecks: nag.ServerlessChecks };
}

/**
 * The unsuppressed AwsSolutions and Serverless findings on `templates` (name -> file under `dir`),
 * errors and warnings; cdk-nag's informational notes are left out. The CDK app is written to
 * `dir/cdk.out`.
 */
export function cdkNagFindings(dir: string, templates: Readonly<Record<string, string>>, modules: CdkNagModules = loadCdkNagModules()): Finding[] {
  // CDK's built-in CloudFormation validation is off: it checks the templates against the
  // CloudFormation schema, as cfn-lint already does, and doubled the time.
  const app = new modules.App({ outdir: join(dir, 'cdk.out'), analyticsReporting: false, builtinCloudFormationValidation: false });
  for (const [name, path] of Object.entries(templates)) {
    new modules.CfnInclude(new modules.Stack(app, name), 'Template', { templateFile: join(dir, path) });
  }
  modules.Aspects.of(app).add(new modules.AwsSolutionsChecks());
  modules.Aspects.of(app).add(new modules.ServerlessChecks());
  return app
    .synth()
    .stacks.flatMap((stack) => stack.messages)
    .filter((message) => message.level === 'error' || message.level === 'warning')
    .map((message) => {
      const text = String(message.entry.data).split('\n')[0] ?? '';
      const rule = /^([\w-]+):/.exec(text)?.[1];
      return {
        source: 'cdk-nag',
        level: message.level === 'error' ? 'error' : 'warning',
        ...(rule ? { rule } : {}),
        location: message.id.replace(/^\//, ''),
        message: rule ? text.slice(rule.length + 1).trim() : text,
      } satisfies Finding;
    });
}
