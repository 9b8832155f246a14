/**
 * Validation of custom-resource properties (CloudFormation passes every scalar as a string).
 */

/** Raised when a custom resource's properties are missing or malformed. */
export class InvalidPropertiesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPropertiesError';
  }
}

/** A required non-empty string property. */
export function stringProperty(properties: Readonly<Record<string, unknown>>, name: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidPropertiesError(`property ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

/** An optional string property (`''` when absent). */
export function optionalStringProperty(properties: Readonly<Record<string, unknown>>, name: string): string {
  const value = properties[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new InvalidPropertiesError(`property ${name} must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}
