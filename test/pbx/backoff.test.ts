import { describe, expect, it } from 'vitest';
import { backoffDelay, withJitter } from '../../src/pbx/ari/backoff.js';

const opts = { minDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  it('doubles from the minimum up to the maximum', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 50].map((attempt) => backoffDelay(attempt, opts, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffDelay(2, opts, () => 0)).toBe(200);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(300);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, opts);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });

  it('withJitter keeps half fixed', () => {
    expect(withJitter(1_000, () => 0)).toBe(500);
    expect(withJitter(1_000, () => 1)).toBe(1_000);
  });
});
