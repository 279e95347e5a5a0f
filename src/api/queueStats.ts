/**
 * Live queue figures computed from full snapshots. Fine for this slice: it scans every agent
 * and call on each request; live stats get their own Redis indexes/counters later.
 */
import { AGENT_STATUSES, type AgentSnapshot, type AgentStatus } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import type { QueueDef } from '../domain/queue.js';

export const PRESENT_STATUSES = AGENT_STATUSES.filter((s): s is Exclude<AgentStatus, 'logged_out'> => s !== 'logged_out');
export type PresentStatus = (typeof PRESENT_STATUSES)[number];

export interface QueueStatus extends QueueDef {
  waiting: number;
  /** How long the caller waiting longest has waited; 0 when nobody waits. */
  longestWaitMs: number;
  agents: { loggedIn: number; byStatus: Record<PresentStatus, number> };
}

export interface WaitingCall extends CallSnapshot {
  /** 1 = next to be offered. */
  position: number;
  waitMs: number;
}

function emptyCounts(): Record<PresentStatus, number> {
  return Object.fromEntries(PRESENT_STATUSES.map((s) => [s, 0])) as Record<PresentStatus, number>;
}

export function queueStatuses(queues: QueueDef[], agents: AgentSnapshot[], calls: CallSnapshot[], now: number): QueueStatus[] {
  return queues.map((def) => {
    const waiting = calls.filter((c) => c.queue === def.id && c.state === 'waiting');
    const earliestJoin = waiting.reduce((min, c) => Math.min(min, c.joinedAt), now);
    const byStatus = emptyCounts();
    let loggedIn = 0;
    for (const agent of agents) {
      if (agent.status === 'logged_out' || !agent.queues.includes(def.id)) continue;
      byStatus[agent.status] += 1;
      loggedIn += 1;
    }
    return {
      ...def,
      waiting: waiting.length,
      longestWaitMs: Math.max(0, now - earliestJoin),
      agents: { loggedIn, byStatus },
    };
  });
}

/** `waiting` is already in queue order (the store's sorted set). */
export function withPositions(waiting: CallSnapshot[], now: number): WaitingCall[] {
  return waiting.map((call, i) => ({ ...call, position: i + 1, waitMs: Math.max(0, now - call.joinedAt) }));
}
