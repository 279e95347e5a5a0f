export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
}

/** "Equal jitter": half of `ms` fixed, half random, so instances that lost Asterisk together do not return together. */
export const withJitter = (ms: number, random: () => number = Math.random): number => Math.round(ms / 2 + (random() * ms) / 2);

/** Reconnect delay for the given attempt (0-based): exponential from `minDelayMs`, capped at `maxDelayMs`, jittered. */
export function backoffDelay(attempt: number, { minDelayMs, maxDelayMs }: BackoffOptions, random: () => number = Math.random): number {
  return withJitter(Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt, 30)), random);
}
