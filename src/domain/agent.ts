/**
 * Agent states, CTI vocabulary. One record per agent whatever the number of queues it serves:
 * an agent reserved for a call in one queue is unavailable in all of them.
 *
 *   logged_out ─login─▶ not_ready ◀─▶ ready ─route─▶ reserved ─dial─▶ ringing ─answer─▶ busy
 *        ▲                  ▲  ▲          ▲            │                 │ (rona)          │
 *        └──────logout──────┘  └──────────┼────────────┴─────────────────┘                 ▼
 *                                         └──────────── wrap-up timer ◀──────────── after_call_work
 */
export const AGENT_STATUSES = [
  'logged_out',
  'ready',
  'not_ready',
  'reserved',
  'ringing',
  'busy',
  'after_call_work',
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Reason code the engine itself sets when an agent does not answer an offered call. */
export const RONA_REASON = 'rona';

/** Which commands each status accepts, and where each transition happens: src/domain/lifecycle.ts. */

/**
 * On a call (reserved, ringing, busy) ready, not ready and after-call work are accepted for when
 * the call ends: the status asked for then replaces the normal wrap-up or ready.
 */
export const CALL_STATUSES: readonly AgentStatus[] = ['reserved', 'ringing', 'busy'];
export const PENDING_STATUSES = ['ready', 'not_ready', 'after_call_work'] as const satisfies readonly AgentStatus[];
export type PendingStatus = (typeof PENDING_STATUSES)[number];

export interface AgentSnapshot {
  id: string;
  name: string;
  status: AgentStatus;
  /** not_ready / logout reason code, '' when none. */
  reason: string;
  /** ms epoch of the last status change. */
  since: number;
  /** Asterisk dial string, e.g. `PJSIP/1001` or `Local/1001@agents`; '' when logged out. */
  endpoint: string;
  /** Call id while reserved, ringing, busy or in wrap-up; '' otherwise. */
  callId: string;
  /** Bumped on every transition; timers carry it so a stale timer does nothing. */
  version: number;
  queues: string[];
  callsTaken: number;
  /** The status asked for the end of the current call (see CALL_STATUSES), absent when none. */
  pending?: { status: PendingStatus; reason: string };
  /** The phone is in use by a call outside the ACD (ringInUse; src/acd/deviceState.ts). */
  deviceInUse?: boolean;
  /** '<node id>|<agent leg channel id>' of a talk whose record Redis lost, going on (src/acd/lostTalks.ts). */
  lostTalk?: string;
}
