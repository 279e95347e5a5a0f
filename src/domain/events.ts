/**
 * Queue and agent events. Names follow app_queue/AMI so people who know Asterisk recognise
 * them; every event is appended to the Redis Stream in the same Lua script as the state change
 * it reports, so the stream is the single ordered truth for SSE, WebSocket and long-poll.
 */
import type { AgentStatus, PendingStatus } from './agent.js';

interface Base {
  /** ms epoch when the transition happened (set by the store). */
  ts: number;
}

export type AcdEvent = Base &
  (
    | { type: 'QueueCallerJoin'; callId: string; queue: string; position: number; callerNumber: string; callerName: string; priority: number
        /** Estimated wait (src/acd/callerExperience); `resumed`: old place kept (abandoned-resume); `from`: overflow source queue. */
        ewtMs?: number; resumed?: boolean; from?: string }
    | { type: 'QueueCallerPriority'; callId: string; queue: string; priority: number; previous: number }
    | { type: 'QueueCallerLeave'; callId: string; queue: string; reason: string; waitMs: number }
    /** Callback (virtual hold, src/acd/callback.ts): requested, dialing the customer, a try failed (retry) or the last one did (gaveup). */
    | { type: 'QueueCallback'; callId: string; queue: string; action: 'requested' | 'dialing' | 'retry' | 'gaveup'; number: string; attempt: number; agentId?: string }
    | { type: 'QueueCallerAbandon'; callId: string; queue: string; waitMs: number; agentId: string }
    | { type: 'AgentCalled'; callId: string; queue: string; agentId: string; endpoint: string; agentChannel: string }
    | { type: 'AgentRingNoAnswer'; callId: string; queue: string; agentId: string; ringMs: number; cause: string }
    | { type: 'AgentConnect'; callId: string; queue: string; agentId: string; waitMs: number; ringMs: number; bridgeId: string }
    | { type: 'AgentComplete'; callId: string; queue: string; agentId: string; talkMs: number; waitMs: number; reason: string }
    | { type: 'AgentStatus'; agentId: string; status: AgentStatus; previous: AgentStatus; reason: string; callId: string; by: string
        /** On a call: the status the agent asked for its end (AgentPendingStatus). */
        pending?: { status: PendingStatus; reason: string } }
    /** An agent on a call asked for `pending` (ready, not_ready with `reason`, after_call_work) for when the call ends (its status stays `status`). */
    | { type: 'AgentPendingStatus'; agentId: string; status: AgentStatus; pending: PendingStatus; reason: string; callId: string; by: string }
    /** The agent's phone is (no longer) in use by a call outside the ACD (src/acd/deviceState.ts; ringInUse). */
    | { type: 'AgentDeviceState'; agentId: string; inUse: boolean }
    | { type: 'QueueMemberAdded'; queue: string; agentId: string; penalty: number; paused: boolean }
    | { type: 'QueueMemberPenalty'; queue: string; agentId: string; penalty: number; paused: boolean }
    | { type: 'QueueMemberRemoved'; queue: string; agentId: string }
    | { type: 'QueueMemberPause'; queue: string; agentId: string; paused: boolean; reason: string }
    /** Call control (src/acd/control): hold, mute, dtmf, transfer, supervisor monitor... `detail` depends on the action. */
    | { type: 'CallControl'; callId: string; agentId: string; action: string; detail: string; by: string }
    /** Park and announce (src/acd/control/park.ts): `agentId` is the parking agent; unparked: retrieved by an agent, returned on timeout, or the caller hung up. */
    | { type: 'CallParked'; callId: string; queue: string; agentId: string; slot: number; by: string }
    | { type: 'CallUnparked'; callId: string; queue: string; agentId: string; slot: number; by: string; reason: 'retrieved' | 'timeout' | 'hangup' }
  );

export type AcdEventType = AcdEvent['type'];

/** An event as read back from the stream: the stream entry id is the SSE `id:`. */
export interface StoredEvent {
  id: string;
  event: AcdEvent;
}
