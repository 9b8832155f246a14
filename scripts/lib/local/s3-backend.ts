/**
 * The integration bucket for local runs: an embedded s3rver (default; in memory, logging off) or
 * any S3 endpoint (moto, LocalStack) polled for new objects, because those do not call a local
 * Lambda. Either way, listeners receive every created object once.
 */
import { CreateBucketCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { useMemoryStore } from './s3rver-memory-store';
import type { CreatedObject } from './s3-events';

/** Static credentials used with local endpoints (s3rver accepts these, moto accepts any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running S3 API for the integration bucket. */
export interface S3Backend {
  /** e.g. `http://127.0.0.1:4568` */
  readonly endpoint: string;
  readonly bucket: string;
  /** Calls `listener` for each object created in the bucket; returns an unsubscribe function. */
  onObjectCreated(listener: (object: CreatedObject) => void): () => void;
  /** Stops the server or the poller (does not delete a bucket on an external endpoint); every call returns the same promise. */
  stop(): Promise<void>;
}

/** Raised when the S3 endpoint cannot be started or reached. */
export class S3BackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3BackendError';
  }
}

/** An SDK client for a local endpoint, computing checksums only when required (s3rver). */
export function localS3Client(endpoint: string, region: string, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
}

class Listeners {
  readonly #set = new Set<(object: CreatedObject) => void>();
  add(listener: (object: CreatedObject) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }
  emit(object: CreatedObject): void {
    for (const listener of this.#set) listener(object);
  }
}

interface S3rverEvent {
  readonly Records: readonly {
    readonly eventName: string;
    readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string } };
  }[];
}

/** Starts s3rver in this process on 127.0.0.1 (free port), its data in memory. */
export async function startEmbeddedS3(bucket: string): Promise<S3Backend> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  useMemoryStore(server);
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error: unknown) {
    throw new S3BackendError(`could not start the embedded S3 server: ${String(error)}`, { cause: error });
  }
  const listeners = new Listeners();
  server.on('event', (event: S3rverEvent) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      listeners.emit({
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: record.s3.object.size ?? 0,
        eTag: record.s3.object.eTag,
        eventName: record.eventName,
      });
    }
  });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    onObjectCreated: (listener) => listeners.add(listener),
    stop() {
      stopped ??= server.close();
      return stopped;
    },
  };
}

/** Options of {@link watchExternalS3}. */
export interface ExternalS3Options {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  /** How often the bucket is listed. @default 100 */
  readonly pollIntervalMs?: number;
  /** Longest wait between two listings while the endpoint fails (the wait doubles up to it). @default 2000 */
  readonly maxBackoffMs?: number;
  /** How long the endpoint may fail before the poller gives up and stops. @default 30000 */
  readonly giveUpAfterMs?: number;
  /** Called once when listings start failing (the endpoint went away). */
  readonly onUnavailable?: (error: unknown) => void;
  /** Called once when a listing works again, with how long the endpoint failed. */
  readonly onRecovered?: (downMs: number) => void;
  /** Called once when the poller gives up (the endpoint failed for `giveUpAfterMs`); it has stopped. */
  readonly onGaveUp?: (error: unknown, downMs: number) => void;
}

/** Defaults of {@link ExternalS3Options}. */
export const EXTERNAL_S3_DEFAULTS = { pollIntervalMs: 100, maxBackoffMs: 2000, giveUpAfterMs: 30_000 } as const;

/**
 * Uses an S3 endpoint that does not notify a local Lambda (moto, LocalStack): creates the bucket
 * if needed and lists it periodically, raising each new or rewritten object once.
 */
export async function watchExternalS3(options: ExternalS3Options): Promise<S3Backend> {
  // Bounded requests: an endpoint that hangs counts as gone, like one that refuses connections.
  const s3 = localS3Client(options.endpoint, options.region, { requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 } });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  } catch (error: unknown) {
    const name = error instanceof Error ? error.name : '';
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
      throw new S3BackendError(`could not use bucket ${options.bucket} at ${options.endpoint}: ${String(error)}`, {
        cause: error,
      });
    }
  }
  const listeners = new Listeners();
  const seen = new Map<string, string>();
  const listAll = async (): Promise<{ key: string; size: number; eTag: string }[]> => {
    const objects: { key: string; size: number; eTag: string }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: options.bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        objects.push({ key: o.Key ?? '', size: o.Size ?? 0, eTag: (o.ETag ?? '').replace(/"/g, '') });
      }
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  };
  // Objects already there are not new: remember them without raising events.
  for (const o of await listAll()) seen.set(o.key, `${o.eTag}/${o.size}`);
  let stopped = false;
  const pollMs = options.pollIntervalMs ?? EXTERNAL_S3_DEFAULTS.pollIntervalMs;
  const maxBackoffMs = options.maxBackoffMs ?? EXTERNAL_S3_DEFAULTS.maxBackoffMs;
  const giveUpAfterMs = options.giveUpAfterMs ?? EXTERNAL_S3_DEFAULTS.giveUpAfterMs;
  // A polling loop with three states (up, down since, gave up) rather than one call to retry,
  // so it is written out here instead of wrapping each listing in a retry helper.
  let downSince: number | undefined;
  let failures = 0;
  const poll = async (): Promise<void> => {
    while (!stopped) {
      try {
        const objects = await listAll();
        if (downSince !== undefined) options.onRecovered?.(Date.now() - downSince);
        downSince = undefined;
        failures = 0;
        for (const o of objects) {
          const version = `${o.eTag}/${o.size}`;
          if (seen.get(o.key) === version) continue;
          seen.set(o.key, version);
          listeners.emit({ bucket: options.bucket, key: o.key, size: o.size, eTag: o.eTag });
        }
      } catch (error: unknown) {
        if (stopped) return;
        failures += 1;
        if (downSince === undefined) {
          downSince = Date.now();
          options.onUnavailable?.(error);
        } else if (Date.now() - downSince >= giveUpAfterMs) {
          stopped = true;
          options.onGaveUp?.(error, Date.now() - downSince);
          return;
        }
      }
      const waitMs = failures === 0 ? pollMs : Math.min(maxBackoffMs, pollMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  let wake: (() => void) | undefined;
  const loop = poll();
  let closing: Promise<void> | undefined;
  return {
    endpoint: options.endpoint,
    bucket: options.bucket,
    onObjectCreated: (listener) => listeners.add(listener),
    stop() {
      stopped = true;
      wake?.();
      closing ??= loop.then(() => s3.destroy());
      return closing;
    },
  };
}
