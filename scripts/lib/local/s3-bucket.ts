/**
 * The integration bucket of the local AWS: the embedded S3 server, or an external endpoint
 * (moto, LocalStack) watched for new objects, whose outages go to the timeline; when it stays down
 * past the give-up time, the executions still running are abandoned (they end ABORTED with
 * `Local.S3EndpointUnavailable`).
 */
import { errorText } from './lambda';
import type { Registry } from './registry';
import { EXTERNAL_S3_DEFAULTS, startEmbeddedS3, watchExternalS3, type S3Backend } from './s3-backend';
import { seconds } from './timeline';

export function startIntegrationBucket(options: {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly endpointGiveUpMs?: number;
  readonly registry: Registry;
}): Promise<S3Backend> {
  const { endpoint, registry } = options;
  if (!endpoint) return startEmbeddedS3(options.bucket);
  return watchExternalS3({
    endpoint,
    bucket: options.bucket,
    region: options.region,
    giveUpAfterMs: options.endpointGiveUpMs,
    onUnavailable: (error) => {
      const limit = seconds(options.endpointGiveUpMs ?? EXTERNAL_S3_DEFAULTS.giveUpAfterMs);
      registry.note(`the S3 endpoint ${endpoint} stopped answering (${errorText(error)}); retrying with backoff for up to ${limit}`);
    },
    onRecovered: (downMs) => registry.note(`the S3 endpoint ${endpoint} answers again (after ${seconds(downMs)})`),
    onGaveUp: (error, downMs) => {
      const cause = `the S3 endpoint ${endpoint} did not answer for ${seconds(downMs)} (${errorText(error)}); gave up`;
      registry.note(cause);
      for (const record of registry.records.values()) {
        record.abandoned = { error: 'Local.S3EndpointUnavailable', cause };
        record.halt?.();
      }
    },
  });
}
