/** Sets several environment variables for the current test with `vi.stubEnv` (put back after it). */
import { vi } from 'vitest';

export function stubEnvs(values: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}
