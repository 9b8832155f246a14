import { describe, expect, it } from 'vitest';
import { answerPlan, pacer } from './run';
import { PRODUCTION_NAME, progressLine } from '../../load';

describe('answerPlan', () => {
  it('mixes two successes for each failure', () => {
    expect(Array.from({ length: 6 }, (_, i) => answerPlan('mix', i))).toEqual(['success', 'success', 'failure', 'success', 'success', 'failure']);
    expect(answerPlan('none', 4)).toBe('none');
  });
});

describe('pacer', () => {
  it('spaces the calls 1/rate apart, in order', async () => {
    const pace = pacer(50);
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 5 }, async () => {
      await pace();
      times.push(Date.now() - started);
    }));
    expect(times[0]).toBeLessThan(15);
    // Five calls at 50 a second: the last one 80 ms after the first.
    expect(times[4]).toBeGreaterThanOrEqual(75);
  });
});

describe('the load command', () => {
  it('takes names with prod, production or prd between separators for production', () => {
    for (const name of ['bellflower-root-stack-prod', 'bellflower-integration-bucket-prod-us-east-1', 'production', 'app.prd.x']) expect(name).toMatch(PRODUCTION_NAME);
    for (const name of ['bellflower-root-stack-devl', 'product-catalog', 'reproduce']) expect(name).not.toMatch(PRODUCTION_NAME);
  });

  it('draws a bar of the ended executions', () => {
    expect(progressLine({ total: 4, started: 3, answered: 2, ended: 1, errors: 0 })).toBe('load [######..................] 1/4 ended, 3 started, 2 answered, 0 errors');
  });
});
