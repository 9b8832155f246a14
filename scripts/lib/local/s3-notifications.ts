/**
 * The integration bucket's side of the workflow: every created object goes to the timeline; the
 * task token file of an execution marks its outbound folder ready (the business application then
 * answers); and the bucket notification (ObjectCreated, prefix/suffix filter of the deployed
 * template) invokes the integration function with the S3 event.
 */
import type { BusinessApplication } from './business-application';
import type { LambdaService } from './functions';
import { errorText } from './lambda';
import type { Registry } from './registry';
import { matchesFilter, s3Event, INBOUND_NOTIFICATION, type CreatedObject } from './s3-events';

// The last outbound file the integration writes (after task_token.txt), and the one a partner may
// read: the business application answers once it is there, as a real one can.
const DATA_FILE = /^outbound\/([^/]+)\/data\.json$/;

/** The listener of the bucket's created objects. */
export function bucketNotifications(options: {
  readonly region: string;
  readonly registry: Registry;
  readonly lambda: LambdaService;
  readonly application: BusinessApplication;
}): (object: CreatedObject) => void {
  const { registry } = options;
  return (object) => {
    const record = registry.recordForKey(object.key);
    registry.emit(record, { kind: 'file-written', key: object.key, size: object.size });
    const data = DATA_FILE.exec(object.key);
    if (record && data && record.executionId === data[1]) {
      record.outbound.resolve(record.executionId);
      options.application.answer(record, record.executionId);
    }
    if (!object.key.startsWith('inbound/')) return;
    if (!matchesFilter(object.key, INBOUND_NOTIFICATION)) {
      registry.emit(record, {
        kind: 's3-notification',
        key: object.key,
        delivered: false,
        reason: `filtered out (prefix "${INBOUND_NOTIFICATION.prefix}", suffix "${INBOUND_NOTIFICATION.suffix}")`,
      });
      return;
    }
    registry.emit(record, { kind: 's3-notification', key: object.key, delivered: true });
    registry.track(
      options.lambda.invoke('integration', s3Event(object, options.region)).catch((error: unknown) => {
        registry.emit(record, { kind: 'handler-failed', handler: 'integration', trigger: `S3 event ${object.key}`, error: errorText(error) });
      }),
    );
  };
}
