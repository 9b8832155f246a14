/**
 * Headless Chromium for tests that look at a page as a person would: Debian's `chromium` package
 * driven by playwright-core (never a browser download). Under `CI=true` a missing browser is a
 * failure; elsewhere the caller skips and the message says how to install it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian's package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** How a user gets it. */
export const CHROMIUM_INSTALL_HINT = 'apt-get update && apt-get install -y chromium';

/** True when Chromium is installed; throws under CI=true when it is not, else warns and returns false. */
export function requireChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `${CHROMIUM_PATH} is not installed: ${CHROMIUM_INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(`${message} (required under CI=true)`);
  console.warn(`skipping browser tests: ${message}`);
  return false;
}

/** A browser with a fresh profile, quiet (no network of its own), closed by `close()`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts headless Chromium with a new user data folder. */
export async function startChromium(): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'bellflower-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
