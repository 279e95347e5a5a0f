/**
 * A queue call from the engine's point of view: one caller channel, at most one agent leg
 * being offered or connected at a time.
 *
 *   waiting ─assign─▶ offering ─answer─▶ connected ─hangup─▶ (ended, removed)
 *      ▲                 │
 *      └── no answer / busy / unreachable (same place in the queue)
 */
export const CALL_STATES = ['waiting', 'offering', 'connected'] as const;
export type CallState = (typeof CALL_STATES)[number];

export interface CallSnapshot {
  id: string;
  queue: string;
  state: CallState;
  callerChannel: string;
  callerNumber: string;
  callerName: string;
  priority: number;
  /** ms epoch the caller entered the queue. */
  joinedAt: number;
  /** Agent being offered the call or talking to the caller; '' when waiting. */
  agentId: string;
  agentChannel: string;
  bridgeId: string;
  /** ms epoch the agent answered; 0 before. */
  answeredAt: number;
  /** Engine instance that handles this call's channels. */
  node: string;
}

/** Why a call left the queue, app_queue's QUEUESTATUS vocabulary where it fits. */
export type CallEndReason =
  | 'abandon' // caller hung up before an agent answered
  | 'completecaller' // caller hung up after being connected
  | 'completeagent' // agent hung up after being connected
  | 'lost'; // channel vanished while the engine was away (reconcile)

/**
 * A consult to a queue (src/acd/control/consult.ts) waits in that queue as a call of its own,
 * the `;2` half of a Local channel whose id (= the call id) has the prefix ID_PREFIXES.consultCall
 * (isConsultCall in src/domain/idPrefixes.ts): statistics leave such calls out, they are no
 * customer calls.
 */
