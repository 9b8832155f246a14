/**
 * The emulated business application: once an execution's outbound files appear, it answers after
 * a delay by writing `inbound/<id>/success.json` (or `failure.json`) to the integration bucket, as
 * the real one does; with answer 'none' it stays silent (manual runs, timeouts).
 */
import type { ExecutionRecord, Registry } from './registry';

/** Writes one object to the integration bucket. */
export type PutObject = (key: string, body: string) => Promise<void>;

export interface BusinessApplication {
  /** Schedules the answer of `record`, whose outbound folder `executionId` is ready. */
  answer(record: ExecutionRecord, executionId: string): void;
}

export function businessApplication(options: {
  readonly registry: Registry;
  readonly defaultDelayMs: number;
  /** Writes the answer (within the application's concurrency). */
  readonly write: PutObject;
}): BusinessApplication {
  const { registry } = options;
  return {
    answer(record, executionId) {
      const mode = record.options.answer ?? 'success';
      if (mode === 'none') return;
      const delay = record.options.answerDelayMs ?? options.defaultDelayMs;
      registry.later(record, delay, async () => {
        if (record.ended) return;
        const failure = record.options.failure ?? {
          error: 'BusinessRejected',
          cause: 'The business application rejected the request (local run, --answer failure)',
        };
        const [file, body] =
          mode === 'success'
            ? ['success.json', { status: 'Response Received', answeredBy: 'local business application' }]
            : ['failure.json', failure];
        try {
          await options.write(`inbound/${executionId}/${file}`, JSON.stringify(body));
        } catch (error: unknown) {
          registry.emit(record, { kind: 'note', text: `the business application could not write ${file}: ${String(error)}` });
        }
      });
    },
  };
}
