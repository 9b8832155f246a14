/**
 * Log lines of the integration function that the templates read (no SDK import here: the
 * templates, and so the CLI, import this module).
 */

/**
 * The log line of a business failure (the business application answered failure.json): the root
 * stack's metric filter counts it, so that its alarm tells business failures from system ones.
 */
export const BUSINESS_FAILURE_LOG = 'task failed as answered (SendTaskFailure)';
