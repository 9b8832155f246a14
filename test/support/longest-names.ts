/**
 * The longest names the preflight accepts: for an environment and a region, the longest value of
 * each parameter that is part of a physical name such that `checkPhysicalNames` (the preflight's
 * exact check) lets every name it makes through. The tests then evaluate the templates at these
 * values (test/support/deployment.ts, independently of templates/physical-names.ts) and ask
 * whether every name is within its limit and covered by the grants.
 */
import type { BellflowerConfig } from '../../scripts/lib/core/config';
import { checkPhysicalNames, effectiveParameters, type StackParameters } from '../../scripts/lib/deployment/preflight';
import { declaredStackParameters } from '../../scripts/lib/deployment/publish-preflight';
import { patternParameters } from '../../templates/physical-names';

/** The longest region name today (15 characters); the ARN patterns admit any region. */
export const LONGEST_REGION = 'us-isof-south-1';

/** The templates' declared parameters and physical names, rendered from the sources. */
export function stackParameters(): Promise<StackParameters> {
  return declaredStackParameters(() => undefined);
}

/** The problems of the preflight's name check for `environment` in `region` with these parameters. */
export function nameProblems(declared: StackParameters, environment: string, region: string, parameters: Readonly<Record<string, string>>): string[] {
  const config: Pick<BellflowerConfig, 'environment' | 'region'> = { environment, region };
  return checkPhysicalNames(config, declared.names, {
    root: effectiveParameters(declared.root, parameters),
    cross: effectiveParameters(declared.cross, parameters),
  });
}

/**
 * For each parameter of a physical name, the longest value (letters `a`, within its MaxLength) the
 * name check accepts for `environment` in `region`, judged by the names that parameter is part of.
 */
export function longestAcceptedParameters(declared: StackParameters, environment: string, region: string): Record<string, string> {
  const parameters = [...new Set(declared.names.flatMap((n) => patternParameters(n.pattern)))].sort();
  const values: Record<string, string> = {};
  for (const parameter of parameters) {
    const spec = declared.root[parameter] ?? declared.cross[parameter];
    const own = { ...declared, names: declared.names.filter((n) => patternParameters(n.pattern).includes(parameter)) };
    for (let length = spec?.MaxLength ?? 0; length >= (spec?.MinLength ?? 1); length--) {
      if (nameProblems(own, environment, region, { [parameter]: 'a'.repeat(length) }).length === 0) {
        values[parameter] = 'a'.repeat(length);
        break;
      }
    }
    if (values[parameter] === undefined) throw new Error(`no value of ${parameter} gives names within the limits for ${environment} in ${region}`);
  }
  return values;
}
