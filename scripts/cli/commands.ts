/**
 * The commands of the binary, in the order of a deployment's life, with the line
 * `bellflower --help` shows for each (a command's own `--help` says more). Data only: the program
 * loads each command's module from `scripts/<name>.ts` when it runs, and the generated command
 * reference reads this list without loading any.
 */

/** One subcommand of the binary. */
export interface CommandSummary {
  readonly name: string;
  /** The line `bellflower --help` shows. */
  readonly summary: string;
}

/** Every command, in the order of a deployment's life. */
export const COMMANDS = [
  { name: 'doctor', summary: 'check Node.js, config, region, endpoint, credentials, artifact bucket and build freshness; one line each with the fix' },
  { name: 'bootstrap', summary: 'create (or adopt) the KMS key and the artifact bucket, and record them for publish and deploy' },
  { name: 'synth', summary: 'write the CloudFormation templates and the state machine definition to dist/' },
  { name: 'validate', summary: 'check the synthesized templates (cfn-lint, cdk-nag) and the configuration (preflight); exit 1 on an error finding' },
  { name: 'build', summary: 'bundle the Lambda handlers into deterministic zips under dist/code/' },
  { name: 'publish', summary: 'check first, then build and upload templates, code and definition to the artifact bucket' },
  { name: 'diff', summary: 'show what a deploy would change (nested stacks, IAM and security called out)' },
  { name: 'deploy', summary: 'deploy the cross stack, then the root stack, through change sets' },
  { name: 'drift', summary: 'detect drift on the cross, root and nested stacks; --fail exits 1 when anything drifted' },
  { name: 'sync', summary: "after an edit, update only the changed functions' code and the state machine on a development stack (--watch: on each change)" },
  { name: 'outputs', summary: "print the root stack's outputs (and refresh dist/outputs/<env>.json)" },
  { name: 'list', summary: 'list the stacks of each environment with their status, and the recent executions of its state machine' },
  { name: 'start-execution', summary: 'start an execution of the deployed state machine' },
  { name: 'respond', summary: "answer a waiting execution as the business application" },
  { name: 'watch', summary: 'follow an execution to its end and print its timeline' },
  { name: 'load', summary: 'run N executions at a concurrency or a rate, answer each, and check that nothing is lost' },
  { name: 'capacity', summary: 'print the capacity model: the AWS quotas on the path, which binds first, and the cost per million executions' },
  { name: 'logs', summary: "tail the functions' and the state machine's logs" },
  { name: 'destroy', summary: 'stop the workflow (mapping disabled, executions stopped), delete the root stack, then the cross stack' },
  { name: 'deployer-policy', summary: 'print and write the IAM policy that running bootstrap, publish, deploy, diff and destroy needs' },
  { name: 'emulator', summary: 'start the local AWS emulator (moto, patched) to rehearse the deployment without AWS' },
  { name: 'event', summary: 'print a sample event (SQS, S3, CloudFormation custom resource, Step Functions task input) for invoke' },
  { name: 'invoke', summary: 'run one bundled Lambda handler on this machine with an event, print its result' },
  { name: 'local', summary: 'run the whole workflow on this machine (no AWS account, no Docker)' },
  { name: 'docs', summary: 'regenerate the documentation made from the code (docs/commands.md, docs/permissions.md, docs/capacity.md)' },
] as const satisfies readonly CommandSummary[];

/** A command's name. */
export type CommandName = (typeof COMMANDS)[number]['name'];
