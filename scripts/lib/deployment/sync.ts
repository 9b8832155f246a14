/**
 * `bellflower sync`: the edit loop of a development stack, as `cdk watch --hotswap` and
 * `sam sync --watch` do it. The tree is built (content-addressed, so an unchanged handler costs a
 * cache look-up); each function whose deployed code (`CodeSha256`) differs from its zip gets the
 * zip (lambda:UpdateFunctionCode, then the SDK's waiter until `LastUpdateStatus` is Successful),
 * and the state machine gets the definition (states:UpdateStateMachine) when the deployed one
 * differs. The functions and the state machine are found through the stacks (DescribeStackResources
 * on the root, its nested stacks and the cross stack), never by a name built here.
 *
 * It leaves the stacks drifted (CloudFormation still holds the published keys) until the next
 * `deploy --publish`; what it synced is recorded (`sync-record.ts`) so that deploy cannot leave
 * synced code running while it says "no changes".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DescribeStackResourcesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, UpdateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { placeholdersIn } from '../../../asl/state-machine';
import { CROSS, LAMBDA, ROOT } from '../../../templates/logical-ids';
import { CROSS_PARAMS, ROOT_PARAMS } from '../../../templates/names';
import { HANDLERS, STATE_MACHINE_PATH, codePath, sha256Hex, type HandlerName } from '../../../templates/layout';
import { renderTemplates } from '../../../templates/index';
import type { BellflowerConfig } from '../core/config';
import { BellflowerError, messageOf } from '../core/errors';
import { silentReporter, type Reporter } from '../core/reporter';
import { describeStack, outputsOf } from './stacks';
import { readSyncRecord, recordSynced } from './sync-record';

/** Sync cannot run: a production environment, a stack or resource missing, a refused update. */
export class SyncError extends BellflowerError {
  override readonly name = 'SyncError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Whether the environment is production, the one place sync asks: the configuration's
 * `"production": true` (as deploy's termination protection and approval decide), not its name.
 */
export function isProductionEnvironment(config: Pick<BellflowerConfig, 'production'>): boolean {
  return config.production === true;
}

/** Throws {@link SyncError} for a production environment: sync changes a stack behind CloudFormation's back. */
export function refuseProduction(config: Pick<BellflowerConfig, 'environment' | 'production'>): void {
  if (!isProductionEnvironment(config)) return;
  throw new SyncError(
    `refused: ${config.environment} is a production environment, and sync would change its functions and state machine behind CloudFormation (drift): use \`bellflower deploy --env ${config.environment} --publish\``,
  );
}

/** The line every sync prints: the stacks are drifted until the next deploy. */
export function driftNotice(config: Pick<BellflowerConfig, 'environment' | 'rootStackName' | 'crossStackName'>): string {
  return `sync changes ${config.rootStackName} and ${config.crossStackName} behind CloudFormation: they are drifted until the next \`bellflower deploy --env ${config.environment} --publish\``;
}

/**
 * Lambda's limit on a zip sent in the request (UpdateFunctionCode `ZipFile`): 50 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Deployment package
 * (.zip file archive) size: 50 MB (zipped, when uploaded through the Lambda API or SDKs)").
 */
export const MAX_DIRECT_ZIP_BYTES = 50 * 1024 * 1024;

/** Where each handler's function lives: the stack (root nested stack or cross stack), its logical ID and its code key parameter. */
const FUNCTIONS: Readonly<Record<HandlerName, { readonly stack: 'root' | 'cross'; readonly nested?: string; readonly logicalId: string; readonly keyParameter: string }>> = {
  processing: { stack: 'root', nested: ROOT.processingStack, logicalId: LAMBDA.function, keyParameter: ROOT_PARAMS.processingCodeKey },
  integration: { stack: 'root', nested: ROOT.integrationStack, logicalId: LAMBDA.function, keyParameter: ROOT_PARAMS.integrationCodeKey },
  s3Folders: { stack: 'cross', logicalId: CROSS.foldersFunction, keyParameter: CROSS_PARAMS.s3FoldersCodeKey },
  s3Notification: { stack: 'cross', logicalId: CROSS.notificationFunction, keyParameter: CROSS_PARAMS.s3NotificationCodeKey },
};

/** The deployed resources sync updates, found through the stacks. */
export interface SyncTargets {
  /** Physical function name of each handler, and the code key its stack was deployed with. */
  readonly functions: Readonly<Record<HandlerName, { readonly name: string; readonly stackKey: string }>>;
  readonly stateMachine: { readonly arn: string; readonly stackKey: string };
  /** The values of the definition's placeholders, as the root stack's DefinitionSubstitutions give them. */
  readonly substitutions: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

/** Finds the functions, the state machine and its substitutions through the root, nested and cross stacks. */
export async function findSyncTargets(cloudFormation: CloudFormationClient, config: Pick<BellflowerConfig, 'rootStackName' | 'crossStackName' | 'environment'>): Promise<SyncTargets> {
  const stacks = { root: config.rootStackName, cross: config.crossStackName };
  const parameters = async (stack: string): Promise<Record<string, string>> => {
    const described = await describeStack(cloudFormation, stack);
    if (!described) throw new SyncError(`stack ${stack} does not exist: sync updates a deployed stack; run \`bellflower deploy --env ${config.environment} --publish\` first`);
    return Object.fromEntries((described.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']));
  };
  // DescribeStackResources of the whole stack (AWS returns its first 100 resources; ours have
  // fewer): moto answers DescribeStackResource, and DescribeStackResources with a logical ID, with a
  // 500 (a detail without LastUpdatedTimestamp; resources without a logical ID in the filter).
  const resources = new Map<string, Promise<Map<string, string>>>();
  const resourcesOf = (stack: string) => {
    if (!resources.has(stack)) {
      resources.set(
        stack,
        cloudFormation
          .send(new DescribeStackResourcesCommand({ StackName: stack }))
          .then(({ StackResources = [] }) => new Map(StackResources.map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? '']))),
      );
    }
    return resources.get(stack)!;
  };
  const physicalId = async (stack: string, logicalId: string): Promise<string> => {
    let id: string | undefined;
    try {
      id = (await resourcesOf(stack)).get(logicalId);
    } catch (error) {
      throw new SyncError(`cannot list the resources of stack ${stack}: ${messageOf(error)}`, { cause: error });
    }
    if (!id) throw new SyncError(`stack ${stack} has no ${logicalId} (yet): deploy the current templates first (\`bellflower deploy --env ${config.environment} --publish\`)`);
    return id;
  };
  const [rootParameters, crossParameters] = await Promise.all([parameters(stacks.root), parameters(stacks.cross)]);
  const nestedIds = new Map<string, Promise<string>>();
  const nested = (logicalId: string) => {
    if (!nestedIds.has(logicalId)) nestedIds.set(logicalId, physicalId(stacks.root, logicalId));
    return nestedIds.get(logicalId)!;
  };
  const functions = Object.fromEntries(
    await Promise.all(
      (Object.keys(FUNCTIONS) as HandlerName[]).map(async (handler) => {
        const where = FUNCTIONS[handler];
        const stack = where.nested ? await nested(where.nested) : stacks[where.stack];
        const keys = where.stack === 'root' ? rootParameters : crossParameters;
        return [handler, { name: await physicalId(stack, where.logicalId), stackKey: keys[where.keyParameter] ?? '' }] as const;
      }),
    ),
  ) as Record<HandlerName, { name: string; stackKey: string }>;
  const arn = await physicalId(stacks.root, ROOT.stateMachine);
  const substitutions = await definitionSubstitutions(cloudFormation, arn, nested);
  return { functions, stateMachine: { arn, stackKey: rootParameters[ROOT_PARAMS.stateMachineDefinitionKey] ?? '' }, substitutions };
}

/**
 * The root template's DefinitionSubstitutions evaluated against the deployed stacks: `Ref
 * AWS::Partition` from the state machine's ARN, `Fn::GetAtt [<nested stack>, Outputs.<name>]`
 * from that nested stack's outputs. Anything else is refused, naming it.
 */
async function definitionSubstitutions(cloudFormation: CloudFormationClient, stateMachineArn: string, nested: (logicalId: string) => Promise<string>): Promise<Record<string, string>> {
  const root = renderTemplates().objects.root as { Resources: Record<string, { Properties?: Json }> };
  const declared = (root.Resources[ROOT.stateMachine]?.Properties?.DefinitionSubstitutions ?? {}) as Record<string, Json>;
  const outputs = new Map<string, Promise<Record<string, string>>>();
  const nestedOutputs = (logicalId: string) => {
    if (!outputs.has(logicalId)) outputs.set(logicalId, nested(logicalId).then(async (stackId) => outputsOf(await describeStack(cloudFormation, stackId))));
    return outputs.get(logicalId)!;
  };
  const entries = await Promise.all(
    Object.entries(declared).map(async ([name, value]) => {
      if (value.Ref === 'AWS::Partition') return [name, stateMachineArn.split(':')[1] ?? 'aws'] as const;
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string' && getAtt[1].startsWith('Outputs.')) {
        const output = (await nestedOutputs(getAtt[0]))[getAtt[1].slice('Outputs.'.length)];
        if (output === undefined) throw new SyncError(`the nested stack ${getAtt[0]} has no output ${getAtt[1]}: deploy the current templates first`);
        return [name, output] as const;
      }
      throw new SyncError(`cannot evaluate the substitution ${name} (${JSON.stringify(value)}): deploy instead`);
    }),
  );
  return Object.fromEntries(entries);
}

/** The definition with its `${Placeholder}`s replaced, as Step Functions applies DefinitionSubstitutions. */
export function substituteDefinition(text: string, substitutions: Readonly<Record<string, string>>): string {
  const missing = placeholdersIn(text).filter((name) => !(name in substitutions));
  if (missing.length > 0) {
    throw new SyncError(`the definition uses \${${missing.join('}, ${')}}, which the deployed root stack does not substitute: deploy instead (\`bellflower deploy --publish\`)`);
  }
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => substitutions[name]!);
}

/** What one sync did to one resource. */
export interface SyncChange {
  /** "the processing function's code" / "the state machine definition". */
  readonly what: string;
  /** The function name or the state machine ARN. */
  readonly resource: string;
  readonly action: 'updated' | 'up to date';
  readonly ms?: number;
}

/** Result of {@link syncEnvironment}. */
export interface SyncResult {
  readonly changes: readonly SyncChange[];
  /** The sync record, when this sync wrote it. */
  readonly recordFile?: string;
}

/** Options of {@link syncEnvironment}. */
export interface SyncOptions {
  readonly config: BellflowerConfig;
  readonly clients: { readonly cloudFormation: CloudFormationClient; readonly lambda: LambdaClient; readonly sfn: SFNClient };
  readonly distDir: string;
  /** Builds the tree into `distDir` (the command passes the environment's `buildArtifacts`). */
  readonly build: () => Promise<unknown>;
  /** Found once by a watching sync and kept. @default found through the stacks */
  readonly targets?: SyncTargets;
  readonly reporter?: Reporter;
  /** Longest wait for a function update. @default 300 s */
  readonly maxWaitSeconds?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Lambda's CodeSha256: the base64 sha256 of the zip. */
const codeSha256 = (zip: Uint8Array): string => Buffer.from(sha256Hex(zip), 'hex').toString('base64');

/**
 * Builds the tree and updates each function whose deployed code differs from its zip, then the
 * state machine when its deployed definition differs; records what it changed. Refuses a
 * production environment before anything.
 */
export async function syncEnvironment(options: SyncOptions): Promise<SyncResult> {
  const { config, clients, distDir } = options;
  const reporter = options.reporter ?? silentReporter;
  const now = options.now ?? (() => new Date());
  refuseProduction(config);
  const [targets] = await Promise.all([options.targets ?? findSyncTargets(clients.cloudFormation, config), options.build()]);
  const changes: SyncChange[] = [];
  let recordFile: string | undefined;
  const recorded = readSyncRecord(distDir, config.environment).artifacts;
  // Recorded before the update is sent: a sync stopped half-way (Ctrl-C, a refused call) leaves a
  // record deploy can trust, and the next sync corrects an entry whose update never happened.
  const record = (path: string, sha256: string, stackKey: string): void => {
    recordFile = recordSynced(distDir, config.environment, { [path]: { sha256, stackKey, syncedAt: now().toISOString() } });
  };
  // What is deployed already is the tree: an entry that says otherwise is corrected.
  const upToDate = (path: string, sha256: string, stackKey: string): void => {
    if (recorded[path] && recorded[path].sha256 !== sha256) record(path, sha256, stackKey);
  };
  for (const handler of Object.keys(HANDLERS) as HandlerName[]) {
    const { name, stackKey } = targets.functions[handler];
    const what = `the ${handler} function's code`;
    const zip = readFileSync(join(distDir, codePath(handler)));
    const { Configuration } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    if (Configuration?.CodeSha256 === codeSha256(zip)) {
      changes.push({ what, resource: name, action: 'up to date' });
      upToDate(codePath(handler), sha256Hex(zip), stackKey);
      continue;
    }
    if (zip.byteLength > MAX_DIRECT_ZIP_BYTES) {
      throw new SyncError(`${codePath(handler)} is ${zip.byteLength} bytes, over Lambda's ${MAX_DIRECT_ZIP_BYTES} for a zip sent directly: deploy it (\`bellflower deploy --publish\`)`);
    }
    const started = Date.now();
    reporter.progress(`sync: updating ${name}`);
    record(codePath(handler), sha256Hex(zip), stackKey);
    await clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
    // AWS answers LastUpdateStatus InProgress and runs the old code until it is Successful; a second
    // update before then fails with ResourceConflictException
    // (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). moto answers Successful at once.
    await waitUntilFunctionUpdatedV2({ client: clients.lambda, maxWaitTime: options.maxWaitSeconds ?? 300, minDelay: 1, maxDelay: 5 }, { FunctionName: name });
    reporter.progressDone();
    changes.push({ what, resource: name, action: 'updated', ms: Date.now() - started });
  }
  const template = readFileSync(join(distDir, STATE_MACHINE_PATH), 'utf8');
  const definition = substituteDefinition(template, targets.substitutions);
  // The definition is encrypted with the environment's key: reading it takes kms:Decrypt and
  // writing it kms:GenerateDataKey for the caller, which moto does not check
  // (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html); a refusal
  // reaches the user with the access hint of the command layer.
  const described = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: targets.stateMachine.arn }));
  const what = 'the state machine definition';
  if (isDeepStrictEqual(JSON.parse(described.definition ?? '{}'), JSON.parse(definition))) {
    changes.push({ what, resource: targets.stateMachine.arn, action: 'up to date' });
    upToDate(STATE_MACHINE_PATH, sha256Hex(template), targets.stateMachine.stackKey);
  } else {
    const started = Date.now();
    // Executions already running keep the definition they started with; new ones take this one
    // within seconds (UpdateStateMachine is eventually consistent:
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html).
    record(STATE_MACHINE_PATH, sha256Hex(template), targets.stateMachine.stackKey);
    await clients.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: targets.stateMachine.arn, definition }));
    changes.push({ what, resource: targets.stateMachine.arn, action: 'updated', ms: Date.now() - started });
  }
  return { changes, ...(recordFile !== undefined ? { recordFile } : {}) };
}
