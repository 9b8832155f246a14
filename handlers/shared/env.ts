/**
 * Reading the function's environment: once, at module scope of each adapter, through these helpers
 * so that a missing or malformed variable fails the cold start with a message naming it.
 */

/** Raised when a required environment variable is missing or malformed. */
export class EnvironmentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Returns a non-empty variable or throws {@link EnvironmentError} naming it. */
export function requireEnv(name: string, env: Environment = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(`environment variable ${name} is not set (the function's template must set it)`);
  return value;
}

/** Returns a non-negative integer variable, `fallback` when unset; throws naming it when malformed. */
export function integerEnv(name: string, fallback: number, env: Environment = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new EnvironmentError(`environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return Number(raw);
}
