/**
 * The report page in a real browser (headless Chromium from Debian, driven by playwright-core):
 * for a successful run, a business failure, a processing failure and a timed-out wait, what a
 * person sees: every state drawn, the path, the failing state marked with its error, the timeline.
 * The pages and screenshots are kept under dist/test-artifacts/report/ (git-ignored).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStateMachine, STATES } from '../../../asl/state-machine';
import { requireChromium, startChromium, type TestBrowser } from '../../../test/support/chromium';
import { PROJECT_ROOT } from '../core/paths';
import { startLocalEngine, type ExecutionOptions, type ExecutionReport } from './engine';
import { buildReportPage } from './report';
import { standInHandlers } from './stand-ins';

const ARTIFACTS = join(PROJECT_ROOT, 'dist', 'test-artifacts', 'report');

interface Case {
  readonly name: string;
  readonly execution: ExecutionOptions;
  readonly callbackTimeoutSeconds?: number;
  readonly status: string;
  readonly path: readonly string[];
  /** The state marked as failing, and the error shown on it. */
  readonly failing?: { readonly state: string; readonly error: string };
}

const CASES: readonly Case[] = [
  {
    name: 'success',
    execution: { input: { order: 42 } },
    status: 'SUCCEEDED',
    path: [STATES.processing, STATES.waitForResponse, STATES.publishSuccess, STATES.success],
  },
  {
    name: 'business-failure',
    execution: { answer: 'failure', failure: { error: 'OrderRejected', cause: 'out of stock' } },
    status: 'FAILED',
    path: [STATES.processing, STATES.waitForResponse, STATES.publishFailure, STATES.fail],
    failing: { state: STATES.waitForResponse, error: 'OrderRejected' },
  },
  {
    name: 'processing-failure',
    execution: { input: { simulateFailure: true } },
    status: 'FAILED',
    path: [STATES.processing, STATES.publishFailure, STATES.fail],
    failing: { state: STATES.processing, error: 'Error' },
  },
  {
    name: 'timeout',
    execution: { answer: 'none' },
    callbackTimeoutSeconds: 0.3,
    status: 'FAILED',
    path: [STATES.processing, STATES.waitForResponse, STATES.publishFailure, STATES.fail],
    failing: { state: STATES.waitForResponse, error: 'States.Timeout' },
  },
];

async function runCase(c: Case): Promise<{ report: ExecutionReport; definition: Record<string, unknown> }> {
  const definition = buildStateMachine();
  const engine = await startLocalEngine({
    definition,
    loadHandlers: async () => standInHandlers(),
    delayScale: 0,
    callbackTimeoutSeconds: c.callbackTimeoutSeconds,
  });
  try {
    return { report: await engine.run(c.execution), definition };
  } finally {
    await engine.stop();
  }
}

const textsOf = (page: Page, selector: string): Promise<string[]> => page.locator(selector).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state') ?? ''));

describe.runIf(requireChromium())('report page in Chromium', () => {
  let browser: TestBrowser;
  const offline: string[] = [];
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await startChromium();
    // The page must need nothing but itself: any other request is recorded and refused.
    await browser.context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      offline.push(url);
      return route.abort();
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(CASES)('shows the $name run: states, path, failing state, timeline', async (c) => {
    const { report, definition } = await runCase(c);
    const file = join(ARTIFACTS, `${c.name}.html`);
    await writeFile(file, buildReportPage({ definition, entries: report.timeline, title: `local run (${c.name})` }));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    try {
      await page.goto(pathToFileURL(file).href);
      await page.locator('body[data-rendered="true"]').waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, `${c.name}.png`), fullPage: true });

      // Every state of the definition is drawn, with its name readable.
      for (const state of Object.values(STATES)) {
        await expect(page.locator(`#graph g.state[data-state="${state}"] text.name`).textContent()).resolves.toBe(state);
        expect(await page.locator(`#graph g.state[data-state="${state}"]`).isVisible()).toBe(true);
      }
      expect(await page.locator('#execution-status').textContent()).toBe(c.status);
      // The path: its states highlighted, the transitions between them drawn as taken, in order.
      expect((await textsOf(page, '#graph g.state.on-path')).sort()).toEqual([...c.path].sort());
      const taken = await page.locator('#graph g.edge.taken').evaluateAll((nodes) => nodes.map((n) => `${n.getAttribute('data-from')} -> ${n.getAttribute('data-to')}`));
      expect(taken.sort()).toEqual(c.path.slice(1).map((to, i) => `${c.path[i]} -> ${to}`).sort());
      // The failing state and its error.
      expect(await textsOf(page, '#graph g.state.failing')).toEqual(c.failing ? [c.failing.state] : []);
      if (c.failing) {
        expect(await page.locator(`#graph g.state.failing text.err`).textContent()).toContain(c.failing.error);
        expect(await page.locator('#execution-error').textContent()).toContain(c.failing.error);
      }
      // The timeline: one bar per state visited, in order.
      expect(await textsOf(page, '#timeline g.bar-row')).toEqual([...c.path]);
      expect(errors).toEqual([]);
      expect(offline).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows the processing retries: three attempts, two retries', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(join(ARTIFACTS, 'processing-failure.html')).href);
      await page.locator('body[data-rendered="true"]').waitFor({ timeout: 10_000 });

      expect(await page.locator(`#graph g.state[data-state="${STATES.processing}"] text.meta`).textContent()).toMatch(/3 attempts · 2 retries$/);
      expect(await page.locator(`#timeline g.bar-row[data-state="${STATES.processing}"]`).textContent()).toContain('(2 retries)');
    } finally {
      await page.close();
    }
  });
});
