/**
 * Lambda adapter of the bucket-notification custom resource (`index.handler`).
 */
import { customResourceHandler } from '../shared/custom-resource';
import { customResourceS3Client } from '../shared/custom-resource-clients';
import { createLogger } from '../shared/logger';
import { notificationResource } from './notification-resource';

const logger = createLogger('bellflower-s3-notification');
const s3 = customResourceS3Client(logger);

/** CloudFormation custom-resource handler; always answers through the response URL. */
export const handler = customResourceHandler((event) => notificationResource(event, { s3, logger }), { logger });
