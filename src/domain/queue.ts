/** Queue and agent definitions as configured (file or admin API) and kept in Redis. */

/** Routing strategies. The foundation implements longest-idle; the rest come with full routing. */
export const STRATEGIES = ['longest-idle'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface QueueDef {
  id: string;
  name: string;
  strategy: Strategy;
  /** Seconds an offered agent rings before the offer counts as no answer (RONA). */
  ringTimeoutS: number;
  /** Seconds of after-call work before the agent is ready again; 0 = ready at once. */
  wrapupS: number;
  /** Asterisk music-on-hold class played to waiting callers. */
  musicClass: string;
}

export interface Membership {
  queue: string;
  /** Lower is offered first (used by full routing; stored from day one). */
  penalty: number;
}

export interface AgentDef {
  id: string;
  name: string;
  /** Default dial string used when login gives none. */
  endpoint: string;
  queues: Membership[];
  /** Per-agent wrap-up override in seconds; undefined = the queue's. */
  wrapupS?: number;
}

export interface ReasonCode {
  code: string;
  label: string;
}
