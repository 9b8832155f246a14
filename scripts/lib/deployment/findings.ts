/**
 * What `bellflower validate` reports: one finding per problem a checker (cfn-lint, the cdk-nag
 * packs, the preflight) found in the synthesized templates or the environment's configuration.
 */
import { BellflowerError } from '../core/errors';

/** Which checker found it. */
export type FindingSource = 'cfn-lint' | 'cdk-nag' | 'preflight';

/** How bad it is: an error fails `validate` (exit code 1); warnings and notes are shown only. */
export type FindingLevel = 'error' | 'warning' | 'info';

/** One problem found by a checker. */
export interface Finding {
  readonly source: FindingSource;
  readonly level: FindingLevel;
  /** The rule (`E3012`, `AwsSolutions-IAM5`), when the checker names one. */
  readonly rule?: string;
  /** The template (relative to the synthesized folder) and line, or the resource's path. */
  readonly location?: string;
  readonly message: string;
}

/** Thrown when a checker cannot run at all (not installed, crashed): `validate` must not pass (exit code 1). */
export class CheckerError extends BellflowerError {
  override readonly name = 'CheckerError';
}
