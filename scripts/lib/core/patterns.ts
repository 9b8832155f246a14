/**
 * Patterns the command line checks before anything loads (no dependency: the program imports this
 * at start-up; `config.ts`, which needs zod, is loaded only by a command's `run`).
 */

/** An IAM role ARN in any partition. */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
