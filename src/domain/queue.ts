/**
 * Queue and agent definitions as configured (file or admin API) and kept in Redis.
 * A queue definition is composed of parts owned by different concerns: routing (who gets the
 * call) and caller experience (what the caller hears, when it leaves). Each part lives in its
 * own module so each can grow without touching the other.
 */
import type { CallerExperience } from './callerExperience.js';
import type { QueueStatsDef } from './stats.js';
import type { QueueRouting, Skills } from './routing.js';

export interface QueueDef extends QueueRouting, CallerExperience, QueueStatsDef {
  id: string;
  name: string;
  /** Seconds an offered agent rings before the offer counts as no answer (RONA). */
  ringTimeoutS: number;
  /** Seconds of after-call work before the agent is ready again; 0 = ready at once. */
  wrapupS: number;
}

export interface Membership {
  queue: string;
  /** Lower is offered first. */
  penalty: number;
  /** Position for linear / round-robin (lower first); config default: the agent's index. */
  order?: number;
  /** weighted-random share (default 1). */
  weight?: number;
}

export interface AgentDef {
  id: string;
  name: string;
  /** Default dial string used when login gives none. */
  endpoint: string;
  queues: Membership[];
  /** Per-agent wrap-up override in seconds; undefined = the queue's. */
  wrapupS?: number;
  /** Skill → level 1..5, for skills-based routing. */
  skills?: Skills;
  /** Offers wait for the agent's CTI `answer` before its phone is dialed (src/acd/control/answer.ts). */
  manualAnswer?: boolean;
}

export interface ReasonCode {
  code: string;
  label: string;
}
