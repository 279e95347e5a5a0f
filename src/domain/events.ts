/**
 * Queue and agent events. Names follow app_queue/AMI so people who know Asterisk recognise
 * them; every event is appended to the Redis Stream in the same Lua script as the state change
 * it reports, so the stream is the single ordered truth for SSE, WebSocket and long-poll.
 */
import type { AgentStatus, PendingStatus } from './agent.js';
import type { ConsultTarget, ControlCallKind, MonitorMode } from './controlCall.js';

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
    /** The agent is (no longer) on a talk whose record Redis lost (src/acd/lostTalks.ts): offered no call meanwhile, whatever its status. */
    | { type: 'AgentLostTalk'; agentId: string; talking: boolean }
    | { type: 'QueueMemberAdded'; queue: string; agentId: string; penalty: number; paused: boolean }
    | { type: 'QueueMemberPenalty'; queue: string; agentId: string; penalty: number; paused: boolean }
    | { type: 'QueueMemberRemoved'; queue: string; agentId: string }
    | { type: 'QueueMemberPause'; queue: string; agentId: string; paused: boolean; reason: string }
    /** Call control (src/acd/control): hold, mute, dtmf, transfer, supervisor monitor...; what else it carries depends on the action (CallControlDetail). */
    | CallControlEvent
    /** Park and announce (src/acd/control/park.ts): `agentId` is the parking agent; unparked: retrieved by an agent, returned on timeout, or the caller hung up. */
    | { type: 'CallParked'; callId: string; queue: string; agentId: string; slot: number; by: string }
    | { type: 'CallUnparked'; callId: string; queue: string; agentId: string; slot: number; by: string; reason: 'retrieved' | 'timeout' | 'hangup' }
  );

export type AcdEventType = AcdEvent['type'];

/** How a blind transfer (transferCall) moved the caller: `target` is the queue, agent, destination or slot range. */
export type TransferMode = 'queue' | 'agent' | 'consult' | 'extension' | 'park';

/** A key pressed on a call: sent by the agent, or received from the other party. */
export type DtmfDetail = { digits: string; direction: 'sent' | 'received' };

/**
 * What a control call (src/domain/controlCall.ts) reports about itself: the event's `callId` is the
 * control call's id and its `action` the call's kind. `answeredBy`: the agent of the queue who
 * answered a consult to that queue.
 */
export type ControlCallStep =
  | { step: 'dialing' | 'ringing' | 'queued' | 'connected' | 'ended' | 'gone'; answeredBy?: string }
  /** In-call commands on a connected outbound call. */
  | { step: 'hold' | 'retrieve' | 'mute' | 'unmute' }
  | ({ step: 'dtmf' } & DtmfDetail)
  /** A leg failed to answer: its DIALSTATUS (BUSY, NOANSWER, CHANUNAVAIL, CONGESTION) or ERROR. */
  | { step: 'failed'; dialStatus: string };

/** The typed part of a CallControl event, by action. */
export type CallControlDetail =
  // On a queue call (`callId` = the call's id).
  | { action: 'hold' | 'retrieve' | 'mute' | 'unmute' }
  | ({ action: 'dtmf' } & DtmfDetail)
  | { action: 'consult'; step: 'dialing'; target: ConsultTarget }
  | { action: 'consult'; step: 'queued' | 'connected' | 'failed' | 'cancelled' | 'ended' }
  | { action: 'conference'; target: ConsultTarget }
  /** A supervisor (`by` = `supervisor:<id>`) monitors in `step` mode, stopped, or its phone failed. */
  | { action: 'monitor'; step: MonitorMode | 'ended' }
  | { action: 'monitor'; step: 'failed'; dialStatus: string }
  | { action: 'transfer'; mode: TransferMode; target: string }
  | { action: 'recording'; step: 'started' | 'stopped' | 'paused' | 'resumed'; name: string }
  // On a control call.
  | ({ action: ControlCallKind } & ControlCallStep);

export type CallControlEvent = { type: 'CallControl'; callId: string; agentId: string; by: string } & CallControlDetail;

/** An event as read back from the stream: the stream entry id is the SSE `id:`. */
export interface StoredEvent {
  id: string;
  event: AcdEvent;
}
