/**
 * Lambda adapter of the folders custom resource (`index.handler`).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { customResourceHandler } from '../shared/custom-resource';
import { createLogger } from '../shared/logger';
import { s3ClientConfig } from '../shared/s3-client-config';
import { foldersResource } from './folders-resource';

const logger = createLogger('bellflower-s3-folders');
const s3 = new S3Client(s3ClientConfig());

/** CloudFormation custom-resource handler; always answers through the response URL. */
export const handler = customResourceHandler((event) => foldersResource(event, { s3, logger }), { logger });
