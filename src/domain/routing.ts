/** Routing: how a queue picks the agent for a caller. */

/** Routing strategies. The foundation implements longest-idle; the rest come with full routing. */
export const STRATEGIES = ['longest-idle'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface QueueRouting {
  strategy: Strategy;
}
