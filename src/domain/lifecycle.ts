/**
 * The agent and call lifecycles as data: every state (the hidden ones included: a callback
 * waiting or between tries, an offer held for manual answer, a parked, redirected or consulting
 * call), the events that move them, which transitions are allowed, where each happens (the Lua
 * script or module) and what it does besides. A newcomer reads the whole journey here;
 * docs/lifecycle.md's diagrams are generated from it (`npm run diagrams`, checked by
 * test/domain/lifecycle.test.ts), and the agent commands take the statuses they are accepted in
 * from it (src/store/agentOps.ts, src/store/controlOps.ts, src/acd/control).
 */
import { CALL_STATUSES, type AgentStatus } from './agent.js';
import type { CallState } from './call.js';

export interface Transition<S extends string, E extends string> {
  from: readonly S[];
  event: E;
  to: S;
  /** Where it happens: a Lua script (`lua:<name>`) or a module under src/acd (`acd:<path>`). */
  at: readonly string[];
  /** What else it does (events appended, timers set, media). */
  effects: string;
}

export interface Lifecycle<S extends string, E extends string> {
  name: string;
  /** Each state and what it means. */
  states: Record<S, string>;
  initial: S;
  /** States a record leaves the store in (none for agents: they always exist). */
  final: readonly S[];
  transitions: readonly Transition<S, E>[];
}

// ---------------------------------------------------------------------------------------------
// Agents
// ---------------------------------------------------------------------------------------------

export type AgentEvent =
  | 'login'
  | 'loginReady'
  | 'ready'
  | 'notReady'
  | 'logout'
  | 'afterCallWork'
  | 'route'
  | 'ring'
  | 'answer'
  | 'offerRefused'
  | 'noAnswer'
  | 'callerGone'
  | 'callEnd'
  | 'wrapupEnd'
  | 'controlCall'
  | 'consulted'
  | 'handOver';

const AGENT_IDLE = ['ready', 'not_ready', 'after_call_work'] as const satisfies readonly AgentStatus[];
const AGENT_OFFERED = ['reserved', 'ringing'] as const satisfies readonly AgentStatus[];

export const AGENT_LIFECYCLE: Lifecycle<AgentStatus, AgentEvent> = {
  name: 'agent',
  states: {
    logged_out: 'not working; offered nothing',
    ready: 'waiting for a call: in the idle set and routing pools of its queues (unless in a busy/reject back-off)',
    not_ready: 'logged in, on a pause with a reason code (or rona after unanswered offers)',
    reserved: 'picked by the router for a call; its leg is being created',
    ringing: 'its phone rings with a queue call',
    busy: 'on a call: a queue call, or a control call (outbound, consult)',
    after_call_work: 'wrap-up after a call, until its timer fires or the agent says ready',
  },
  initial: 'logged_out',
  final: [],
  transitions: [
    { from: ['logged_out'], event: 'login', to: 'not_ready', at: ['lua:login'], effects: 'AgentStatus; device state followed (ringInUse)' },
    { from: ['logged_out'], event: 'loginReady', to: 'ready', at: ['lua:login'], effects: 'AgentStatus; router kicked for the agent' },
    { from: AGENT_IDLE, event: 'ready', to: 'ready', at: ['lua:changeStatus'], effects: 'AgentStatus; router kicked for the agent' },
    { from: AGENT_IDLE, event: 'notReady', to: 'not_ready', at: ['lua:changeStatus'], effects: 'AgentStatus with the reason code' },
    { from: AGENT_IDLE, event: 'logout', to: 'logged_out', at: ['lua:changeStatus'], effects: 'AgentStatus with the logout reason' },
    { from: ['ready', 'not_ready'], event: 'afterCallWork', to: 'after_call_work', at: ['lua:changeStatus', 'acd:control/index.ts'], effects: 'wrap-up timer set' },
    { from: ['ready'], event: 'route', to: 'reserved', at: ['lua:assignByQueue', 'lua:assignByAgent', 'lua:offerMore'], effects: 'out of the routing pools; AgentCalled' },
    { from: ['reserved'], event: 'ring', to: 'ringing', at: ['lua:markRinging'], effects: 'AgentRinging' },
    { from: AGENT_OFFERED, event: 'answer', to: 'busy', at: ['lua:connect'], effects: 'AgentConnect; the other offers of the call end' },
    { from: AGENT_OFFERED, event: 'offerRefused', to: 'ready', at: ['lua:offerFailed'], effects: 'busy / rejected / unreachable: back-off before the next offer' },
    { from: AGENT_OFFERED, event: 'noAnswer', to: 'not_ready', at: ['lua:offerFailed'], effects: 'RONA at maxNoAnswer (before: ready after a back-off)' },
    { from: AGENT_OFFERED, event: 'callerGone', to: 'ready', at: ['lua:endCall'], effects: 'the caller hung up during the offer; router kicked' },
    { from: ['busy'], event: 'callEnd', to: 'after_call_work', at: ['lua:endCall', 'lua:controlCallEnd'], effects: 'AgentComplete; wrap-up timer (acd:wrapup.ts)' },
    { from: ['busy'], event: 'callEnd', to: 'ready', at: ['lua:endCall', 'lua:controlCallEnd'], effects: 'no wrap-up configured (or ready asked during the call): router kicked' },
    { from: ['busy'], event: 'callEnd', to: 'not_ready', at: ['lua:endCall', 'lua:controlCallEnd'], effects: 'not ready asked during the call (AGENT_PENDING_ON_CALL)' },
    { from: ['busy'], event: 'handOver', to: 'after_call_work', at: ['lua:transferToQueue', 'lua:transferToAgent', 'lua:consultComplete', 'lua:transferToExtension', 'lua:park'], effects: 'park, blind transfer, consult completed: the call goes on without the agent' },
    { from: ['after_call_work'], event: 'wrapupEnd', to: 'ready', at: ['lua:endWrapup'], effects: 'fenced by version; retried, and repaired at start (acd:timerSweep.ts)' },
    { from: AGENT_IDLE, event: 'controlCall', to: 'busy', at: ['lua:controlCallStart'], effects: 'outbound call from the desktop' },
    { from: ['ready'], event: 'consulted', to: 'busy', at: ['lua:controlCallStart'], effects: 'the consulted agent of a consult' },
  ],
};

/**
 * Agent commands asked for during a call: accepted in these statuses without changing them, kept
 * as the agent's pending status (lua:changeStatus) and applied when the call frees the agent, in
 * place of the usual wrap-up or ready (lua:endCall, lua:offerFailed, the wrap-up include).
 */
export const AGENT_PENDING_ON_CALL: Readonly<Record<'ready' | 'notReady' | 'afterCallWork', readonly AgentStatus[]>> = {
  ready: CALL_STATUSES,
  notReady: CALL_STATUSES,
  afterCallWork: CALL_STATUSES,
};

// ---------------------------------------------------------------------------------------------
// Queue calls
// ---------------------------------------------------------------------------------------------

/** A call's phase: the stored CallState refined by the records beside it (callback fields, control calls). */
export type CallPhase =
  | 'waiting'
  | 'callbackWaiting'
  | 'callbackPaused'
  | 'offering'
  | 'heldForAnswer'
  | 'callbackDialing'
  | 'connected'
  | 'consulting'
  | 'parked'
  | 'redirecting'
  | 'ended';

/** Where a phase lives in Redis: the call hash's state, a control call, or nothing. */
export const CALL_PHASE_STORED: Record<CallPhase, CallState | 'control call' | 'gone'> = {
  waiting: 'waiting',
  callbackWaiting: 'waiting',
  callbackPaused: 'waiting',
  offering: 'offering',
  heldForAnswer: 'offering',
  callbackDialing: 'offering',
  connected: 'connected',
  consulting: 'connected',
  parked: 'control call',
  redirecting: 'control call',
  ended: 'gone',
};

export type CallEvent =
  | 'join'
  | 'assign'
  | 'legInStasis'
  | 'agentAnswers'
  | 'offerFails'
  | 'customerAnswers'
  | 'customerNoAnswer'
  | 'retryDue'
  | 'callbackKey'
  | 'exit'
  | 'callerHangup'
  | 'agentHangup'
  | 'park'
  | 'unpark'
  | 'transfer'
  | 'redirect'
  | 'redirectAnswered'
  | 'redirectFails'
  | 'consult'
  | 'consultEnds'
  | 'completeTransfer';

export const CALL_LIFECYCLE: Lifecycle<CallPhase, CallEvent> = {
  name: 'call',
  states: {
    waiting: 'in the queue with music and announcements; position by priority, then arrival',
    callbackWaiting: "callback requested: the caller's line is gone, the call keeps its place",
    callbackPaused: 'callback customer did not answer: out of routing until the retry delay ends',
    offering: 'agent leg(s) ringing (ringall: several; ring-progressively: one more per step)',
    heldForAnswer: "manual-answer agent: the offer is on its desktop, the leg waits for the agent's answer",
    callbackDialing: 'callback: the agent answered, the customer is being dialed',
    connected: 'caller and agent bridged',
    consulting: 'the agent consults another agent, an extension or a queue (cs- control call; acd-csq- call in the queue); the caller is on hold',
    parked: 'parked in a slot (pk- control call) with music, until retrieved, timed out or hung up',
    redirecting: 'blind transfer to an extension (rd- control call): the destination rings, the caller hears music',
    ended: 'gone from the store; QueueCallerLeave / AgentComplete tell why',
  },
  initial: 'waiting',
  final: ['ended'],
  transitions: [
    { from: ['waiting'], event: 'join', to: 'waiting', at: ['lua:enqueue', 'acd:callerEntry.ts'], effects: 'QueueCallerJoin with the estimated wait; caller timers; router kicked' },
    { from: ['waiting', 'callbackWaiting'], event: 'assign', to: 'offering', at: ['lua:assignByQueue', 'lua:assignByAgent', 'lua:offerMore'], effects: 'agent reserved; agent leg originated (acd:agentLeg.ts)' },
    { from: ['offering'], event: 'legInStasis', to: 'heldForAnswer', at: ['acd:control/answer.ts'], effects: 'manual answer: ring-timeout timer' },
    { from: ['heldForAnswer'], event: 'agentAnswers', to: 'offering', at: ['acd:control/answer.ts'], effects: 'the held leg is dialed' },
    { from: ['offering'], event: 'agentAnswers', to: 'connected', at: ['lua:connect', 'acd:bridging.ts'], effects: 'bridge; AgentConnect; announcements and music stop' },
    { from: ['offering'], event: 'agentAnswers', to: 'callbackDialing', at: ['acd:callback.ts'], effects: 'callback: the customer is called, the agent hears music' },
    { from: ['offering', 'heldForAnswer'], event: 'offerFails', to: 'waiting', at: ['lua:offerFailed'], effects: 'same place in the queue; agent freed per the queue rules; router kicked' },
    { from: ['callbackDialing'], event: 'customerAnswers', to: 'connected', at: ['lua:callbackAnswered', 'acd:bridging.ts'], effects: 'the customer leg becomes the caller channel' },
    { from: ['callbackDialing'], event: 'customerNoAnswer', to: 'callbackPaused', at: ['lua:callbackFailed'], effects: 'agent freed; retry timer' },
    { from: ['callbackPaused'], event: 'retryDue', to: 'callbackWaiting', at: ['lua:callbackRequeue'], effects: 'back at its old place' },
    { from: ['callbackDialing'], event: 'exit', to: 'ended', at: ['lua:callbackFailed'], effects: 'attempts used up: CALLBACKFAILED' },
    { from: ['waiting'], event: 'callbackKey', to: 'callbackWaiting', at: ['lua:callbackRequest', 'acd:callback.ts'], effects: 'QUEUESTATUS=CALLBACK; the dialplan says goodbye' },
    { from: ['waiting'], event: 'exit', to: 'ended', at: ['lua:leaveQueue', 'acd:queueExit.ts'], effects: 'timeout, leave-when-empty, exit key, withdraw: QUEUESTATUS set, caller continues in the dialplan' },
    { from: ['waiting'], event: 'transfer', to: 'waiting', at: ['lua:leaveQueue'], effects: 'overflow / move to another queue (QueueCallerJoin there)' },
    { from: ['waiting', 'offering', 'heldForAnswer', 'connected', 'consulting'], event: 'callerHangup', to: 'ended', at: ['lua:endCall', 'acd:callEnd.ts'], effects: 'abandon or completecaller; agent to wrap-up / ready' },
    { from: ['connected'], event: 'agentHangup', to: 'ended', at: ['lua:endCall', 'acd:callEnd.ts'], effects: 'completeagent; caller hung up or continues (continueOnAgentHangup)' },
    { from: ['connected'], event: 'agentHangup', to: 'waiting', at: ['lua:transferToQueue', 'acd:bridging.ts'], effects: 'the agent\'s leg left between its answer and the bridge: the caller, who never spoke to the agent, back at its place in its queue; agent wraps up' },
    { from: ['parked', 'redirecting'], event: 'callerHangup', to: 'ended', at: ['lua:controlCallEnd'], effects: 'slot freed / destination hung up' },
    { from: ['connected'], event: 'park', to: 'parked', at: ['lua:park', 'acd:control/park.ts'], effects: 'slot announced to the agent; agent wraps up; park timer' },
    { from: ['parked'], event: 'unpark', to: 'offering', at: ['lua:unpark'], effects: 'retrieved by an agent, or timed out to the parking agent' },
    { from: ['parked'], event: 'retryDue', to: 'waiting', at: ['lua:unpark'], effects: 'timed out and the parking agent is not ready: its old place' },
    { from: ['connected'], event: 'transfer', to: 'waiting', at: ['lua:transferToQueue', 'acd:control/transfer.ts'], effects: 'blind transfer to a queue; agent wraps up' },
    { from: ['connected'], event: 'transfer', to: 'offering', at: ['lua:transferToAgent', 'acd:control/transfer.ts'], effects: 'blind transfer to an agent' },
    { from: ['connected'], event: 'redirect', to: 'redirecting', at: ['lua:transferToExtension', 'acd:control/redirect.ts'], effects: 'blind transfer to an extension' },
    { from: ['redirecting'], event: 'redirectAnswered', to: 'ended', at: ['lua:controlCallEnd', 'acd:control/redirect.ts'], effects: 'caller and destination bridged outside the queues' },
    { from: ['redirecting'], event: 'redirectFails', to: 'waiting', at: ['lua:enqueue', 'acd:control/redirect.ts'], effects: 'no answer / busy: back in its queue with its priority' },
    { from: ['connected'], event: 'consult', to: 'consulting', at: ['lua:controlCallStart', 'acd:control/consult.ts'], effects: 'caller on hold; consult leg dialed' },
    { from: ['consulting'], event: 'consultEnds', to: 'connected', at: ['lua:controlCallEnd', 'acd:control/consult.ts'], effects: 'cancelled or the consulted party hung up: caller back with its agent' },
    { from: ['consulting'], event: 'completeTransfer', to: 'connected', at: ['lua:consultComplete', 'acd:control/consult.ts'], effects: 'the consulted agent takes the caller; the first agent wraps up' },
    { from: ['consulting'], event: 'agentHangup', to: 'waiting', at: ['lua:transferToQueue', 'acd:control/consult.ts'], effects: 'the agent hung up before the consult was answered: caller back in its queue' },
  ],
};

/** The states `event` is allowed in. */
export function allowedFrom<S extends string, E extends string>(lifecycle: Lifecycle<S, E>, event: E): S[] {
  const from = new Set<S>();
  for (const t of lifecycle.transitions) if (t.event === event) t.from.forEach((s) => from.add(s));
  return [...from];
}

/** The states `event` may lead to from `state` (empty: not allowed there). */
export function targetsOf<S extends string, E extends string>(lifecycle: Lifecycle<S, E>, state: S, event: E): S[] {
  return lifecycle.transitions.filter((t) => t.event === event && t.from.includes(state)).map((t) => t.to);
}
