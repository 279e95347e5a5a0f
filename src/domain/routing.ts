/**
 * Routing: how a queue picks the agent for a caller.
 *
 * Order of a decision (one Lua script, see src/store/lua/includes/route.lua):
 *   1. callers: the best waiting caller (priority band, then arrival) that some agent can take;
 *      callers with the same skill requirements are served strictly in queue order;
 *   2. agents: the lowest penalty tier the caller may use (penaltyRules raise the ceiling with
 *      wait time), then the best skill match (sum of the agent's levels in the required skills),
 *      then the strategy's order.
 */

/**
 * - ringall: every matching idle agent of the best tier rings at once (at most 32, RINGALL_MAX in
 *   route.lua, so one decision's cost stays bounded); first answer wins.
 * - longest-idle: the agent idle the longest (app_queue leastrecent).
 * - round-robin: round robin with memory (rrmemory): the next agent after the last one offered,
 *   by position; the cursor lives in Redis so every engine instance shares it.
 * - linear: always the first agent by position (top-down).
 * - fewest-calls: fewest calls answered, then longest idle.
 * - least-talk-time: least total talk time (whole seconds), then longest idle.
 * - random / weighted-random: uniform / proportional to the membership's weight.
 * - ring-progressively: the first agent by longest idle, then one more every `ringStepS` while the
 *   earlier ones keep ringing.
 * Position = the membership's `order` (config default: the agent's index in the agents list);
 * ties by agent id. Counters (calls, talk time) are per agent, over all its queues.
 */
export const STRATEGIES = [
  'longest-idle',
  'ringall',
  'round-robin',
  'linear',
  'fewest-calls',
  'least-talk-time',
  'random',
  'weighted-random',
  'ring-progressively',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * How strictly a routing step applies the caller's skill requirements:
 *   all        every required skill at the required level or better
 *   levels-<n> every required skill at (required level - n) or better, never below 1
 *   skills     every required skill at any level
 *   none       any agent of the queue
 */
export type SkillMatch = 'all' | `levels-${number}` | 'skills' | 'none';
export const SKILL_MATCH_PATTERN = '^(all|skills|none|levels-[1-4])$';

export interface RoutingStep {
  /** Seconds this step lasts (counted from the end of the previous one); omitted on the last = for ever. */
  timeoutS?: number;
  match: SkillMatch;
}

/** app_queue queuerules `penaltychange`: after `afterS` of waiting, members up to `maxPenalty` may be offered. */
export interface PenaltyRule {
  afterS: number;
  maxPenalty: number;
}

/** Skill name → level 1..5 (agent: what it has; caller: the minimum it needs). */
export type Skills = Record<string, number>;
/** Skill names are case-insensitive (stored lower case). */
export const SKILL_NAME_PATTERN = '^[A-Za-z0-9_-]{1,32}$';
export const MAX_SKILL_LEVEL = 5;

export interface QueueRouting {
  strategy: Strategy;
  /** Penalty ceiling for a new caller; unset = every tier (lower still first). Required with penaltyRules. */
  maxPenalty?: number;
  /** Raise the ceiling over wait time; sorted by afterS. */
  penaltyRules?: PenaltyRule[];
  /** Skill routing steps (TaskRouter workflow); unset = [{ match: 'all' }]. */
  steps?: RoutingStep[];
  /** ring-progressively: seconds between adding one more ringing agent (default 5). */
  ringStepS?: number;
  /** Seconds before an agent whose offer failed (busy, unreachable, or after a RONA below maxNoAnswer) is offered again; unset = engine default. */
  retryS?: number;
  /** Override of retryS after BUSY. */
  busyRetryS?: number;
  /** Override of retryS after the agent rejected the call. */
  rejectRetryS?: number;
  /** Consecutive unanswered offers before the agent is set not ready (reason rona); default 1. */
  maxNoAnswer?: number;
  /**
   * app_queue `ringinuse`: whether an agent whose phone is in use by a call outside the ACD (a
   * direct extension call, a call placed from the phone) is still offered this queue's calls.
   * Unset = true, app_queue's default: device state is ignored. With false the agent stays
   * `ready` but is out of this queue's routing pools while its endpoint has channels that are not
   * its ACD legs (src/acd/deviceState.ts). An agent on an ACD call is never offered another one
   * either way: one agent record holds one ACD call.
   */
  ringInUse?: boolean;
}

/** Canonical text of a skill set, `billing:2+english:3` (names sorted): Stasis arg form and index key. */
export function skillsKey(skills: Skills): string {
  return Object.keys(skills)
    .sort()
    .map((name) => `${name}:${skills[name]}`)
    .join('+');
}

/** Parses `english:3+billing:2`; throws a message naming the bad part. */
export function parseSkills(text: string): Skills {
  const skills: Skills = {};
  if (text.trim() === '') return skills;
  for (const part of text.split('+')) {
    const m = /^\s*([a-z0-9_-]{1,32})\s*:\s*(\d)\s*$/i.exec(part);
    const level = m ? Number(m[2]) : NaN;
    if (!m || level < 1 || level > MAX_SKILL_LEVEL) throw new Error(`skill '${part}' must be name:level with level 1-${MAX_SKILL_LEVEL}`);
    skills[m[1].toLowerCase()] = level;
  }
  return skills;
}
