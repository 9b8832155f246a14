/**
 * Lambda adapter of the processing step (`index.handler`).
 * Environment: `SIMULATED_WORK_MS` (default 5000, as the original's delay).
 */
import type { Context } from 'aws-lambda';
import { integerEnv } from '../shared/env';
import { createLogger, describeError } from '../shared/logger';
import { processExecution, type ProcessingOutput } from './process-execution';

const logger = createLogger('bellflower-processing');
const simulatedWorkMs = integerEnv('SIMULATED_WORK_MS', 5000);

/** Step Functions task: execution input in, enriched output out. */
export async function handler(event: unknown, context: Context): Promise<ProcessingOutput> {
  logger.addContext(context);
  try {
    const output = await processExecution(event, { logger, simulatedWorkMs });
    logger.info('processing finished');
    return output;
  } catch (error: unknown) {
    // Step Functions sees the error name (Retry/Catch match on it); the log keeps the details.
    logger.error('processing failed', { error: describeError(error) });
    throw error;
  } finally {
    logger.resetKeys();
  }
}
