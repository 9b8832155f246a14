/**
 * Structured JSON logging (Powertools Logger). Service name and level come from
 * `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL`, which every function's template sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export { Logger };

/** Key appended to every log line written while one execution is handled (the correlation key). */
export const EXECUTION_ID_KEY = 'execution_id';

/** Creates the logger of one function; `serviceName` applies when `POWERTOOLS_SERVICE_NAME` is unset. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}

/** Name and message of a caught value, for a log attribute. */
export function describeError(error: unknown): { readonly name: string; readonly message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: typeof error, message: String(error) };
}
