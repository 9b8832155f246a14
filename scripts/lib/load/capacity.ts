/**
 * The capacity model: for a sustained rate of N executions a second, each AWS quota on the
 * workflow's path, what one execution uses of it ({@link executionUsage}, counted from the
 * definition and the code), the rate at which it binds, which binds first, and the cost per
 * million executions from the same counts. Defaults come from the AWS documentation named in
 * each row; {@link appliedQuotas} reads the account's applied values through the Service Quotas
 * API when the caller may. Pure but for {@link appliedQuotas}; `docs/capacity.md` is
 * {@link capacityMarkdown} of the documented defaults.
 */
import { ListServiceQuotasCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { PARAMETERS } from '../../../templates/parameters';
import type { ExecutionUsage } from './usage';

/** Regions where Step Functions, SNS and KMS grant their largest default rates. */
const LARGEST_REGIONS = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

/** How long the functions run, in milliseconds: assumptions of the model, shown with it. */
export interface Durations {
  /** @default the SimulatedWorkMs parameter's default plus 100 ms */
  readonly processingMs: number;
  /** One invocation of the integration function. @default 150 */
  readonly integrationMs: number;
  /** @default the LambdaFunctionMemory parameter's default */
  readonly memoryMb: number;
}

/** The durations the model assumes unless told: the template's defaults plus a start-up allowance. */
export function defaultDurations(): Durations {
  return {
    processingMs: Number(PARAMETERS.SimulatedWorkMs.Default) + 100,
    integrationMs: 150,
    memoryMb: Number(PARAMETERS.LambdaFunctionMemory.Default),
  };
}

/** Where the Service Quotas API keeps a quota: its service code and a pattern of its name. */
interface QuotaLookup {
  readonly serviceCode: string;
  readonly name: RegExp;
}

/** One AWS quota on the path. */
export interface QuotaRow {
  readonly service: string;
  readonly quota: string;
  /** The documented default in this region. */
  readonly defaultValue: number;
  /** The account's applied value, when the Service Quotas API gave one. */
  readonly applied?: number;
  readonly unit: string;
  /** What one execution a second uses of it. */
  readonly perExecution: number;
  /** How `perExecution` is made up. */
  readonly usage: string;
  readonly source: string;
  readonly lookup?: QuotaLookup;
  readonly note?: string;
}

/** A row with what the rate uses and where it binds. */
export interface QuotaAtRate extends QuotaRow {
  /** The value the model uses: applied, else the default. */
  readonly value: number;
  readonly usedAtRate: number;
  /** Executions a second at which this quota is reached (Infinity: not by this workflow). */
  readonly bindsAt: number;
}

/**
 * The Step Functions quotas page. The values below are those of its copy in
 * awsdocs/aws-step-functions-developer-guide (doc_source/limits-overview.md, the last published
 * source); AWS raises them at times, and the Service Quotas API gives an account's own.
 */
const SFN_QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const count = (counts: Readonly<Record<string, number>>, ...names: string[]): number => names.reduce((sum, name) => sum + (counts[name] ?? 0), 0);

/** The quotas on the path in `region`, with what one execution uses of each. */
export function quotaRows(usage: ExecutionUsage, region: string, durations: Durations = defaultDurations()): QuotaRow[] {
  const large = LARGEST_REGIONS.has(region);
  const integrations = (name: string): number => usage.integrations.filter((resource) => resource.startsWith(name)).length;
  const s3Writes = count(usage.integrationRequests, 'PutObject') + count(usage.answerRequests, 'PutObject');
  const s3Reads = count(usage.integrationRequests, 'GetObject', 'HeadObject') + count(usage.answerRequests, 'GetObject', 'HeadObject');
  const lambdaSeconds = (integrations('lambda:invoke') * durations.processingMs + usage.integrationInvocations * durations.integrationMs) / 1000;
  const sqsSends = integrations('sqs:');
  const sendTask = count(usage.integrationRequests, 'SendTaskSuccess', 'SendTaskFailure');
  return [
    {
      service: 'Step Functions',
      quota: 'StartExecution (Standard), refill rate',
      defaultValue: large ? 300 : 150,
      unit: 'per second',
      perExecution: 1,
      usage: '1 StartExecution',
      source: SFN_QUOTAS,
      lookup: { serviceCode: 'states', name: /StartExecution.*refill/i },
      note: `bucket of ${large ? '1,300' : '800'} for bursts`,
    },
    {
      service: 'Step Functions',
      quota: 'state transitions (Standard), refill rate',
      defaultValue: large ? 1_500 : 500,
      unit: 'per second',
      perExecution: usage.states.length,
      usage: `${usage.states.length} states entered (${usage.states.join(', ')})`,
      source: SFN_QUOTAS,
      lookup: { serviceCode: 'states', name: /StateTransition.*refill/i },
      note: 'each retry of "Processing Lambda" adds 1; new accounts start lower',
    },
    {
      service: 'Step Functions',
      quota: 'SendTaskSuccess / SendTaskFailure, refill rate',
      defaultValue: large ? 500 : 300,
      unit: 'per second',
      perExecution: sendTask,
      usage: `${sendTask} call by the integration function`,
      source: SFN_QUOTAS,
      lookup: { serviceCode: 'states', name: /SendTask(Success|Failure).*refill/i },
    },
    {
      service: 'Lambda',
      quota: 'concurrent executions (account, region)',
      defaultValue: 1_000,
      unit: 'concurrent',
      perExecution: lambdaSeconds,
      usage: `${lambdaSeconds.toFixed(2)} s of function time (processing ${durations.processingMs} ms, ${usage.integrationInvocations} x integration ${durations.integrationMs} ms)`,
      source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
      lookup: { serviceCode: 'lambda', name: /^Concurrent executions$/i },
      note: 'concurrency = rate x duration (Little\'s law); each function scales by 1,000 environments every 10 s (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html)',
    },
    {
      service: 'Lambda',
      quota: 'SQS event source mapping concurrency (standard queue)',
      defaultValue: 1_250,
      unit: 'concurrent',
      perExecution: (sqsSends * durations.integrationMs) / 1000,
      usage: `${sqsSends} message x ${durations.integrationMs} ms (batches of one at worst)`,
      source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
    },
    {
      service: 'SQS',
      quota: 'API requests (standard queue)',
      defaultValue: Infinity,
      unit: 'per second',
      perExecution: sqsSends * 3,
      usage: `${sqsSends} SendMessage, ReceiveMessage and DeleteMessage each (batches of one at worst)`,
      source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
      note: 'standard queues support a nearly unlimited number of calls a second',
    },
    {
      service: 'S3',
      quota: 'PUT/COPY/POST/DELETE per partitioned prefix',
      defaultValue: 3_500,
      unit: 'per second',
      perExecution: s3Writes,
      usage: `${s3Writes} PUT (${count(usage.integrationRequests, 'PutObject')} outbound files, ${count(usage.answerRequests, 'PutObject')} answer)`,
      source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
      note: 'every execution has its own outbound/<id>/ and inbound/<id>/ prefixes, but S3 partitions a bucket gradually: until it has, the whole bucket shares this rate',
    },
    {
      service: 'S3',
      quota: 'GET/HEAD per partitioned prefix',
      defaultValue: 5_500,
      unit: 'per second',
      perExecution: s3Reads,
      usage: `${s3Reads} GET/HEAD (${count(usage.integrationRequests, 'GetObject')} by the integration function, ${count(usage.answerRequests, 'HeadObject', 'GetObject')} by the answer); the partner's own reads of outbound/ add to it`,
      source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
    },
    {
      service: 'KMS',
      quota: 'cryptographic operations (symmetric), shared',
      defaultValue: large ? 50_000 : 5_500,
      unit: 'per second',
      perExecution: 0,
      usage: `about 0: S3 Bucket Keys and the queues' 300-s data-key reuse make KMS calls per key and period, not per request (without them: ${s3Writes + s3Reads + sqsSends * 2} per execution)`,
      source: 'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html',
      lookup: { serviceCode: 'kms', name: /Cryptographic operations \(symmetric\) request rate/i },
      note: large ? undefined : 'some regions have 10,000 or 20,000: see the source',
    },
    {
      service: 'SNS',
      quota: 'Publish (account, region)',
      defaultValue: region === 'us-east-1' ? 30_000 : large ? 9_000 : 1_500,
      unit: 'per second',
      perExecution: integrations('sns:publish'),
      usage: `${integrations('sns:publish')} Publish (the result notification)`,
      source: 'https://docs.aws.amazon.com/general/latest/gr/sns.html',
      lookup: { serviceCode: 'sns', name: /^Publish/i },
    },
    {
      service: 'SNS',
      quota: 'e-mail deliveries (account)',
      defaultValue: 10,
      unit: 'per second',
      perExecution: integrations('sns:publish'),
      usage: `${integrations('sns:publish')} e-mail per subscribed address (the stack subscribes one)`,
      source: 'https://docs.aws.amazon.com/general/latest/gr/sns.html',
      note: 'an HTTPS, SQS or Lambda subscription instead of e-mail lifts this limit',
    },
  ];
}

/** The rows at `rate` executions a second, using an applied value where there is one. */
export function atRate(rows: readonly QuotaRow[], rate: number): QuotaAtRate[] {
  return rows.map((row) => {
    const value = row.applied ?? row.defaultValue;
    return { ...row, value, usedAtRate: row.perExecution * rate, bindsAt: row.perExecution > 0 ? value / row.perExecution : Infinity };
  });
}

/** The quota that binds first (the lowest rate). */
export function bindingQuota(rows: readonly QuotaAtRate[]): QuotaAtRate {
  return rows.reduce((lowest, row) => (row.bindsAt < lowest.bindsAt ? row : lowest));
}

/** Where the quota values came from. */
export type QuotaSource = { readonly kind: 'applied'; readonly found: number } | { readonly kind: 'defaults'; readonly reason: string };

/**
 * The rows with the account's applied values from the Service Quotas API (ListServiceQuotas per
 * service, matched by quota name). Any refusal (no credentials, AccessDenied, no such service)
 * keeps the documented defaults and says why.
 */
export async function appliedQuotas(client: ServiceQuotasClient, rows: readonly QuotaRow[]): Promise<{ rows: QuotaRow[]; source: QuotaSource }> {
  const byService = new Map<string, { QuotaName?: string; Value?: number }[]>();
  try {
    for (const serviceCode of new Set(rows.flatMap((row) => (row.lookup ? [row.lookup.serviceCode] : [])))) {
      const quotas: { QuotaName?: string; Value?: number }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListServiceQuotasCommand({ ServiceCode: serviceCode, NextToken: nextToken }));
        quotas.push(...(page.Quotas ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      byService.set(serviceCode, quotas);
    }
  } catch (error: unknown) {
    const name = (error as { name?: unknown }).name;
    return { rows: [...rows], source: { kind: 'defaults', reason: `Service Quotas not readable (${typeof name === 'string' ? name : String(error)})` } };
  }
  let found = 0;
  const withApplied = rows.map((row) => {
    const match = row.lookup && byService.get(row.lookup.serviceCode)?.find((quota) => row.lookup!.name.test(quota.QuotaName ?? ''));
    if (match?.Value === undefined) return row;
    found += 1;
    return { ...row, applied: match.Value };
  });
  return { rows: withApplied, source: { kind: 'applied', found } };
}

/** A price, with the page it was read from. */
interface Price {
  readonly component: string;
  readonly unitPrice: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
}

/** The date and region of {@link PRICES}. */
export const PRICES_AS_OF = { date: '2025-06', region: 'us-east-1' } as const;

/**
 * List prices in us-east-1 as the AWS pricing pages named gave them as of {@link PRICES_AS_OF}
 * (not read live: check the pages before relying on the cost).
 */
const PRICES = {
  stateTransitions: { component: 'Step Functions state transitions (Standard)', unitPrice: 0.025, per: 1_000, unit: 'transitions', source: 'https://aws.amazon.com/step-functions/pricing/' },
  lambdaRequests: { component: 'Lambda requests', unitPrice: 0.2, per: 1_000_000, unit: 'requests', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaDuration: { component: 'Lambda duration (arm64)', unitPrice: 0.0000133334, per: 1, unit: 'GB-seconds', source: 'https://aws.amazon.com/lambda/pricing/' },
  sqsRequests: { component: 'SQS requests (standard)', unitPrice: 0.4, per: 1_000_000, unit: 'requests', source: 'https://aws.amazon.com/sqs/pricing/' },
  s3Writes: { component: 'S3 PUT requests (Standard)', unitPrice: 0.005, per: 1_000, unit: 'requests', source: 'https://aws.amazon.com/s3/pricing/' },
  s3Reads: { component: 'S3 GET/HEAD requests (Standard)', unitPrice: 0.0004, per: 1_000, unit: 'requests', source: 'https://aws.amazon.com/s3/pricing/' },
  snsPublish: { component: 'SNS publishes', unitPrice: 0.5, per: 1_000_000, unit: 'requests', source: 'https://aws.amazon.com/sns/pricing/' },
  snsEmail: { component: 'SNS e-mail deliveries', unitPrice: 2, per: 100_000, unit: 'e-mails', source: 'https://aws.amazon.com/sns/pricing/' },
} as const satisfies Record<string, Price>;

/** One component of the cost per million executions. */
export interface CostLine {
  readonly component: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  readonly source: string;
}

/** The cost of a million executions by component, from the same per-execution counts as the quotas. */
export function costPerMillion(rows: readonly QuotaRow[], usage: ExecutionUsage, durations: Durations = defaultDurations()): CostLine[] {
  const per = (quota: string): number => rows.find((row) => row.quota.startsWith(quota))?.perExecution ?? 0;
  const million = 1_000_000;
  const invocations = usage.integrations.filter((resource) => resource === 'lambda:invoke').length + usage.integrationInvocations;
  const quantities: [Price, number][] = [
    [PRICES.stateTransitions, per('state transitions') * million],
    [PRICES.lambdaRequests, invocations * million],
    [PRICES.lambdaDuration, per('concurrent executions') * (durations.memoryMb / 1024) * million],
    [PRICES.sqsRequests, per('API requests') * million],
    [PRICES.s3Writes, per('PUT/COPY') * million],
    [PRICES.s3Reads, per('GET/HEAD') * million],
    [PRICES.snsPublish, per('Publish') * million],
    [PRICES.snsEmail, per('e-mail') * million],
  ];
  return quantities.map(([price, quantity]) => ({
    component: price.component,
    quantity,
    unit: price.unit,
    usd: (quantity / price.per) * price.unitPrice,
    source: price.source,
  }));
}

/** The whole model at one rate in one region. */
export interface CapacityModel {
  readonly rate: number;
  readonly region: string;
  readonly durations: Durations;
  readonly quotas: readonly QuotaAtRate[];
  readonly binding: QuotaAtRate;
  readonly quotaSource: QuotaSource;
  readonly cost: readonly CostLine[];
  readonly costTotalUsd: number;
  readonly pricesAsOf: typeof PRICES_AS_OF;
}

/** Builds the model from the counted usage and the rows (with applied values, if read). */
export function capacityModel(options: { usage: ExecutionUsage; rows: readonly QuotaRow[]; rate: number; region: string; quotaSource: QuotaSource; durations?: Durations }): CapacityModel {
  const durations = options.durations ?? defaultDurations();
  const quotas = atRate(options.rows, options.rate);
  const cost = costPerMillion(options.rows, options.usage, durations);
  return {
    rate: options.rate,
    region: options.region,
    durations,
    quotas,
    binding: bindingQuota(quotas),
    quotaSource: options.quotaSource,
    cost,
    costTotalUsd: cost.reduce((sum, line) => sum + line.usd, 0),
    pricesAsOf: PRICES_AS_OF,
  };
}

const number = (value: number, digits = 2): string => (Number.isFinite(value) ? Number(value.toFixed(digits)).toLocaleString('en-US') : 'no limit');

/** The model as a Markdown page (docs/capacity.md is this, for the documented defaults). */
export function capacityMarkdown(model: CapacityModel, command: string): string {
  const { binding } = model;
  const source = model.quotaSource.kind === 'applied' ? `the account's applied quotas where Service Quotas has them (${model.quotaSource.found}), the documented defaults otherwise` : `the documented defaults (${model.quotaSource.reason})`;
  const lines = [
    `# Capacity model: ${number(model.rate)} executions a second in ${model.region}`,
    '',
    `Generated by \`${command}\` from the state machine definition and the handlers' code; quotas: ${source}.`,
    `Assumed durations: processing ${model.durations.processingMs} ms, integration ${model.durations.integrationMs} ms per invocation, ${model.durations.memoryMb} MB.`,
    '',
    `**Binds first: ${binding.service} ${binding.quota}** at ${number(binding.bindsAt)} executions a second (${number(binding.value)} ${binding.unit}, ${number(binding.perExecution)} per execution).`,
    '',
    '| service | quota | quota value | per execution | used at this rate | binds at (executions/s) | source |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...model.quotas.map(
      (row) =>
        `| ${row.service} | ${row.quota} | ${number(row.value)} ${row.unit}${row.applied !== undefined ? ' (applied)' : ''} | ${row.usage} | ${number(row.usedAtRate)} | ${number(row.bindsAt)} | [docs](${row.source})${row.note ? `; ${row.note}` : ''} |`,
    ),
    '',
    `## Cost per million executions (${model.pricesAsOf.region} list prices as of ${model.pricesAsOf.date}; check the pricing pages)`,
    '',
    '| component | quantity | USD | price source |',
    '| --- | --- | --- | --- |',
    ...model.cost.map((line) => `| ${line.component} | ${number(line.quantity, 0)} ${line.unit} | ${line.usd.toFixed(2)} | [pricing](${line.source}) |`),
    `| **total** | | **${model.costTotalUsd.toFixed(2)}** | |`,
    '',
    'Not counted: CloudWatch Logs ingestion, KMS key storage, data transfer, the free tiers, and the partner\'s own reads of `outbound/`.',
    '',
  ];
  return lines.join('\n');
}
