/**
 * The capacity model put together for the command and the docs: the usage counted from the code,
 * the quota rows of the region, the applied quotas when readable, and the model as text lines.
 */
import { appliedQuotas, capacityModel, defaultDurations, quotaRows, type CapacityModel, type Durations, type QuotaSource } from './capacity';
import { executionUsage } from './usage';

/** Options of {@link computeCapacity}. */
export interface ComputeCapacityOptions {
  readonly rate: number;
  readonly region: string;
  readonly profile?: string;
  /** Read the account's applied quotas (Service Quotas API). */
  readonly readApplied: boolean;
  readonly durations?: Partial<Durations>;
  /** @default a ServiceQuotasClient of the region (and profile) */
  readonly serviceQuotas?: import('@aws-sdk/client-service-quotas').ServiceQuotasClient;
}

/** The model at `rate` in `region`. */
export async function computeCapacity(options: ComputeCapacityOptions): Promise<CapacityModel> {
  const durations = { ...defaultDurations(), ...options.durations };
  const usage = await executionUsage('success');
  let rows = quotaRows(usage, options.region, durations);
  let quotaSource: QuotaSource = { kind: 'defaults', reason: 'documented defaults: --defaults' };
  if (options.readApplied) {
    const { ServiceQuotasClient } = await import('@aws-sdk/client-service-quotas');
    const client = options.serviceQuotas ?? new ServiceQuotasClient({ region: options.region, ...(options.profile !== undefined ? { profile: options.profile } : {}), maxAttempts: 3 });
    ({ rows, source: quotaSource } = await appliedQuotas(client, rows));
  }
  return capacityModel({ usage, rows, rate: options.rate, region: options.region, quotaSource, durations });
}

const show = (value: number): string => (Number.isFinite(value) ? Number(value.toFixed(2)).toLocaleString('en-US') : 'no limit');

/** The model as lines of text (the command's output). */
export function capacityLines(model: CapacityModel): string[] {
  const { binding } = model;
  const source = model.quotaSource.kind === 'applied' ? `applied quotas from Service Quotas (${model.quotaSource.found} found), documented defaults otherwise` : model.quotaSource.reason;
  return [
    `capacity at ${show(model.rate)} executions/s in ${model.region} (quotas: ${source})`,
    `binds first: ${binding.service} ${binding.quota} at ${show(binding.bindsAt)} executions/s (${show(binding.value)} ${binding.unit}, ${show(binding.perExecution)} per execution)`,
    ...model.quotas.map(
      (row) =>
        `  ${row.bindsAt < model.rate ? 'OVER' : 'ok  '} ${`${row.service} ${row.quota}`.padEnd(62)} ${show(row.usedAtRate).padStart(9)} of ${show(row.value)} ${row.unit}${row.applied !== undefined ? ' (applied)' : ''}; binds at ${show(row.bindsAt)}/s; ${row.source}`,
    ),
    `cost per million executions (${model.pricesAsOf.region} list prices as of ${model.pricesAsOf.date}): USD ${model.costTotalUsd.toFixed(2)}`,
    ...model.cost.map((line) => `  ${line.component.padEnd(46)} USD ${line.usd.toFixed(2).padStart(8)} (${show(line.quantity)} ${line.unit})`),
  ];
}
