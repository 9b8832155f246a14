/**
 * Checks parameter values against a template's own declared constraints (AllowedValues,
 * MinLength/MaxLength, AllowedPattern, MinValue/MaxValue, Number type) and bucket names against
 * S3's naming rules, before anything is built, uploaded or created: CloudFormation would only
 * reject them halfway through a deploy (or, for a bucket name, S3 would, inside a nested stack).
 */

import type { ParameterDefinition } from '../../../templates/parameters';

/** A declared parameter, as far as its constraints go (as read back from a template). */
export type ParameterSpec = Partial<Omit<ParameterDefinition, 'label' | 'Description' | 'Default' | 'Type'>> & { readonly Type?: string };

const describe = (name: string, value: string) => `parameter ${name} = ${JSON.stringify(value)}`;

/** Problems of one value, one line each, naming the parameter, the value and the rule. */
export function checkParameterValue(name: string, spec: ParameterSpec, value: string): string[] {
  const problems: string[] = [];
  const hint = spec.ConstraintDescription ? ` (${spec.ConstraintDescription})` : '';
  if (spec.Type === 'CommaDelimitedList') return problems;
  if (spec.AllowedValues && !spec.AllowedValues.map(String).includes(value)) {
    problems.push(`${describe(name, value)} is not one of ${spec.AllowedValues.map(String).join(', ')}${hint}`);
  }
  if (spec.Type === 'Number') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      problems.push(`${describe(name, value)} is not a number`);
    } else {
      if (spec.MinValue !== undefined && number < spec.MinValue) problems.push(`${describe(name, value)} is below the minimum ${spec.MinValue}${hint}`);
      if (spec.MaxValue !== undefined && number > spec.MaxValue) problems.push(`${describe(name, value)} is above the maximum ${spec.MaxValue}${hint}`);
    }
    return problems;
  }
  if (spec.MinLength !== undefined && value.length < spec.MinLength) {
    problems.push(`${describe(name, value)} is shorter than ${spec.MinLength} characters${hint}`);
  }
  if (spec.MaxLength !== undefined && value.length > spec.MaxLength) {
    problems.push(`${describe(name, value)} is longer than ${spec.MaxLength} characters${hint}`);
  }
  // CloudFormation matches AllowedPattern against the whole value.
  if (spec.AllowedPattern !== undefined && !new RegExp(`^(?:${spec.AllowedPattern})$`).test(value)) {
    problems.push(`${describe(name, value)} does not match ${spec.AllowedPattern}${hint}`);
  }
  return problems;
}

/** Problems of every value given whose parameter the template declares. */
export function checkParameterValues(declared: Readonly<Record<string, ParameterSpec>>, values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).flatMap(([name, value]) => {
    const spec = declared[name];
    return spec ? checkParameterValue(name, spec, value) : [];
  });
}

/**
 * Problems of a general purpose bucket name under S3's naming rules: 3-63 characters; lowercase
 * letters, digits, dots and hyphens; starts and ends with a letter or digit; no two adjacent dots;
 * not an IP address; none of the reserved prefixes and suffixes.
 */
export function checkBucketName(name: string, what: string): string[] {
  const problems: string[] = [];
  const say = (rule: string) => problems.push(`${what} "${name}" ${rule} (S3 bucket naming rules)`);
  if (name.length < 3 || name.length > 63) say(`is ${name.length} characters long, not 3 to 63`);
  if (!/^[a-z0-9.-]*$/.test(name)) say('may hold only lowercase letters, digits, dots and hyphens');
  if (!/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(name)) say('must start and end with a letter or digit');
  if (name.includes('..')) say('must not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) say('must not look like an IP address');
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(prefix)) say(`must not start with "${prefix}"`);
  for (const suffix of ['-s3alias', '--ol-s3', '--x-s3', '--table-s3', '.mrap']) if (name.endsWith(suffix)) say(`must not end with "${suffix}"`);
  return problems;
}
