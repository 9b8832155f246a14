/**
 * Ties the IAM contract to the code: the AWS calls a test saw a handler make (recorded by the
 * handlers' `aws_call` DEBUG lines or by middleware on the test's clients) must each have an entry
 * for that principal in `templates/iam-contract.ts`.
 */
import { contract, DOCUMENTED_TARGETS, operationsOf, type PrincipalName } from '../../templates/iam-contract';

/** The recorded calls (`S3.PutObject`) that have no contract entry for `principal`, each once. */
export function callsOutsideContract(principal: PrincipalName, calls: Iterable<string>): string[] {
  const allowed = operationsOf(contract(DOCUMENTED_TARGETS), principal);
  return [...new Set(calls)].filter((call) => !allowed.has(call)).sort();
}
