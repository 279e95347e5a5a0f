/**
 * Live queue figures from the store's per-queue counters and call indexes (src/store/countOps.ts):
 * O(queues) plus their calls, whatever the number of agents.
 */
import { AGENT_STATUSES, type AgentStatus } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import type { QueueDef } from '../domain/queue.js';
import type { QueueLoad } from '../store/countOps.js';
import { waitingSince } from '../stats/figures.js';

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

/** `loads` are the store's figures of `queues`, in the same order. */
export function queueStatuses(queues: QueueDef[], loads: QueueLoad[], now: number): QueueStatus[] {
  return queues.map((def, i) => {
    const load = loads[i]!;
    const waiting = waitingSince(load);
    const byStatus = Object.fromEntries(PRESENT_STATUSES.map((s) => [s, load.byStatus[s]])) as Record<PresentStatus, number>;
    return {
      ...def,
      waiting: waiting.length,
      longestWaitMs: waiting.length > 0 ? Math.max(0, now - waiting[0]!) : 0,
      agents: { loggedIn: PRESENT_STATUSES.reduce((n, s) => n + byStatus[s], 0), byStatus },
    };
  });
}

/** `waiting` is already in queue order (the store's sorted set). */
export function withPositions(waiting: CallSnapshot[], now: number): WaitingCall[] {
  return waiting.map((call, i) => ({ ...call, position: i + 1, waitMs: Math.max(0, now - call.joinedAt) }));
}
