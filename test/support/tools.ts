/**
 * Finds the Python peers the tests use (cfn-lint, moto_server). Under `CI=true` a missing tool
 * is a failure; elsewhere the caller skips and the message says how to install it.
 */
import { spawnSync } from 'node:child_process';

/** How a user gets the Python tools the tests talk to. */
export const INSTALL_HINT = "pip install cfn-lint 'moto[server]'";

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Returns true when the tool is available. When it is not: throws under `CI=true`; otherwise prints
 * how to install it and returns false so that the caller can skip its tests (`describe.runIf`).
 */
export function requireTool(command: string): boolean {
  if (hasCommand(command)) return true;
  const message = `${command} is not installed: ${INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`${message} (required under CI=true)`);
  console.warn(`skipping tests that need ${message}`);
  return false;
}
