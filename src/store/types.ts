/**
 * What the engine asks of its state store. The Redis implementation runs every transition as
 * one Lua script that also appends the matching event(s) to the stream, so state and events
 * never disagree and no read-then-write happens from Node.
 *
 * Fencing: calls name the agent leg (`agentChannel`) they are about; a script whose fence does
 * not match the current state does nothing and says so (`ok: false`). Every ARI event handler can
 * therefore be replayed safely (idempotence), and late timers are harmless (version fences).
 */
import type { AgentSnapshot } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import type { StoredEvent } from '../domain/events.js';
import type { AgentDef, QueueDef } from '../domain/queue.js';
import type { Skills } from '../domain/routing.js';
import type { ControlStore } from './controlOps.js';
import type { ExitStore } from './exitOps.js';
import type { CallbackStore } from './callbackOps.js';
import type { CountStore } from './countOps.js';

export interface EnqueueRequest {
  callId: string;
  queue: string;
  callerChannel: string;
  callerNumber: string;
  callerName: string;
  priority: number;
  node: string;
  /** Skill requirements (skill → minimum level), routing; none when absent. */
  skills?: Skills;
  /** Caller's Stasis options and channel variables read at entry, for the agent's desktop (call.offered). */
  variables?: Record<string, string>;
  /** Records the caller's entry in progress for `node` in the same step, whatever the outcome (recordEntry). */
  recordEntry?: boolean;
  /**
   * Agent channel id for an offer: when the call is created now, the queue's routing decision
   * (route with a queue trigger) runs in the same step and comes back as `route`.
   */
  routeWith?: string;
}

/** One routing decision: this caller is now offered to this agent, who is now reserved. */
export interface Assignment {
  callId: string;
  queue: string;
  callerChannel: string;
  callerNumber: string;
  callerName: string;
  agentId: string;
  endpoint: string;
  /** Channel id the engine must use for the agent leg (given to `assign`, stored with the call). */
  agentChannel: string;
  ringTimeoutS: number;
  /** ring-progressively: seconds until one more agent rings (0 = other strategies). */
  ringStepS?: number;
  /** The call's offer round after this offer: fences the ring-progressively step timer. */
  round?: number;
  /** The agent answers on its desktop (manual answer): its leg is held in Stasis, not dialed at once. */
  manualAnswer?: boolean;
}

/** A routing attempt: the offers made (several for ringall), or when to try again. */
export interface RouteResult {
  assignments: Assignment[];
  /** ms epoch at which a waiting caller's rules relax (penalty / skill step); absent = never. */
  retryAt?: number;
  /** With assignments from a queue trigger: callers still waiting in that queue (0 = no need to ask again). */
  waitingLeft?: number;
}

/** One agent leg of a call being offered. */
export interface Offer {
  agentChannel: string;
  agentId: string;
}

export type OfferOutcome = 'noanswer' | 'busy' | 'unavailable' | 'rejected' | 'failed';

export interface CallEnded {
  /** State the call was in when it ended. */
  state: CallSnapshot['state'];
  call: CallSnapshot;
  /** Agent legs still offered besides `call.agentChannel` (ringall, ring-progressively): to hang up. */
  releasedLegs: string[];
  /** The call's call-control state as it was (e.g. `recording`); the store deleted it. */
  control: Record<string, string>;
  /** Set when the agent entered after-call work: schedule the wrap-up timer with this version. */
  wrapup?: { agentId: string; version: number; seconds: number };
  /**
   * The call's agent is ready and a caller waits in one of its queues: the router should look
   * for its next call now. False otherwise (a caller joining later is routed by its own join).
   */
  nextCallerWaits: boolean;
}

export interface AgentCommandOptions {
  /** Who asked: 'agent', 'supervisor:<id>', 'system'. Recorded in the AgentStatus event. */
  by: string;
}

export interface AcdStore extends ControlStore, ExitStore, CallbackStore, CountStore {
  /** Create or update; membership changes take effect at once (idle sets follow). */
  upsertQueue(def: QueueDef): Promise<void>;
  upsertAgent(def: AgentDef): Promise<void>;
  getQueue(id: string): Promise<QueueDef | undefined>;
  /**
   * The queue was changed outside this store (the admin ops' delete): its cached definition goes
   * now instead of when the change message reaches this store's subscriber.
   */
  forgetQueue(id: string): void;
  listQueues(): Promise<QueueDef[]>;
  getAgent(id: string): Promise<AgentSnapshot | undefined>;
  listAgents(): Promise<AgentSnapshot[]>;

  /** logged_out → not_ready (or ready when `ready`). AcdError agent_not_found / invalid_state. */
  login(agentId: string, endpoint: string | undefined, opts: AgentCommandOptions & { ready?: boolean }): Promise<AgentSnapshot>;
  /** not_ready | after_call_work | ready → ready. */
  setReady(agentId: string, opts: AgentCommandOptions): Promise<AgentSnapshot>;
  /** ready | not_ready | after_call_work → not_ready with reason. */
  setNotReady(agentId: string, reason: string, opts: AgentCommandOptions): Promise<AgentSnapshot>;
  /** ready | not_ready | after_call_work → logged_out. */
  logout(agentId: string, reason: string, opts: AgentCommandOptions): Promise<AgentSnapshot>;
  /** after_call_work → ready, only if the agent's version is still `version` (fenced timer). */
  endWrapup(agentId: string, version: number): Promise<boolean>;
  /**
   * The agent's phone is (not) in use by a call outside the ACD: out of / back into the routing
   * pools of its queues with ringInUse false; AgentDeviceState. True when the flag changed. agent_not_found.
   */
  setDeviceInUse(agentId: string, inUse: boolean): Promise<boolean>;
  /**
   * The agent is on a talk whose record Redis lost (`talk`: '<node id>|<agent leg channel id>'),
   * or no longer ('' ): out of / back into the routing pools of all its queues, its status kept.
   * AgentLostTalk. True when the field changed. agent_not_found.
   */
  setLostTalk(agentId: string, talk: string): Promise<boolean>;

  /**
   * Idempotent: a call id already known returns its current position without a second join
   * event. A call created now comes with its stay's joinSeq (fences the stay's timers).
   * With `recordEntry`, `entryRecordedBefore` is recordEntry's answer; with `routeWith`, `route`
   * is the queue's routing decision once the call was created now.
   */
  enqueue(req: EnqueueRequest): Promise<{
    position: number;
    created: boolean;
    joinSeq?: number;
    rejected?: 'FULL' | 'JOINEMPTY';
    entryRecordedBefore?: boolean;
    route?: RouteResult;
  }>;
  /**
   * The routing decision, one atomic script: best waiting caller + best ready agent, agent
   * reserved in all its queues, call marked offering, AgentCalled appended.
   * `for` picks the trigger: a queue that gained a caller, or an agent that became ready.
   */
  assign(trigger: { queue: string } | { agentId: string }, agentChannel: string): Promise<Assignment | null>;
  /** The same decision with every offer it made (ringall: several) and, when none, when to try again. */
  route(trigger: { queue: string } | { agentId: string }, agentChannel: string): Promise<RouteResult>;
  /** ring-progressively step: one more agent for a call still offered in `round`. null when fenced out. */
  offerMore(callId: string, round: number, agentChannel: string): Promise<{ round: number; assignment?: Assignment } | null>;
  /** The agent legs a call is being offered on ([] unless offering). */
  callOffers(callId: string): Promise<Offer[]>;
  /** New priority for a waiting (or offered) caller, arrival order kept; QueueCallerPriority. call_not_found / invalid_state. */
  setPriority(callId: string, priority: number): Promise<{ priority: number; position: number }>;
  /** reserved → ringing once the dial request went out. Fenced by agentChannel. */
  markRinging(callId: string, agentChannel: string): Promise<boolean>;
  /**
   * Offer failed: caller back to waiting at its old place, agent freed (noanswer → not_ready 'rona').
   * Other outcomes leave the agent ready but not offered calls for `retryDelayMs` (busy/reject
   * back-off), so one busy phone cannot spin the router. Fenced.
   */
  offerFailed(
    callId: string,
    agentChannel: string,
    outcome: OfferOutcome,
    retryDelayMs?: number,
  ): Promise<{ ok: boolean; agentId?: string; /** back-off applied (queue's retry rules) */ backoffMs?: number; /** other offers still ringing */ offersLeft?: number }>;
  /** offering → connected, agent busy; AgentConnect. Fenced. */
  connect(callId: string, agentChannel: string, bridgeId: string): Promise<boolean>;
  /**
   * connect, also returning the call's other offers it ended (their legs must be hung up) and the
   * call as connected (`call`, when ok). With `refuseCallerless`, a call whose caller left for a
   * callback is not connected (`callerless`).
   */
  connectOffer(
    callId: string,
    agentChannel: string,
    bridgeId: string,
    refuseCallerless?: boolean,
  ): Promise<{ ok: boolean; released: string[]; call?: CallSnapshot; callerless?: boolean }>;
  /**
   * Ends the call whatever its state; appends abandon / complete events; agent freed or in wrap-up.
   * Idempotent (undefined when unknown). With `agentChannel`, only while connected on that leg.
   */
  endCall(callId: string, endedBy: 'caller' | 'agent' | 'lost', agentChannel?: string): Promise<CallEnded | undefined>;

  getCall(callId: string): Promise<CallSnapshot | undefined>;
  callIdByChannel(channelId: string): Promise<string | undefined>;
  /** The call the channel index gives for the channel, with the call (undefined when gone), in one round trip. */
  callOfChannel(channelId: string): Promise<{ callId: string; call?: CallSnapshot } | undefined>;
  /** Records that `node` started a caller's entry; true when one was already recorded (an unfinished earlier attempt). */
  recordEntry(node: string, channelId: string): Promise<boolean>;
  finishEntry(node: string, channelId: string): Promise<void>;
  /** Caller channels whose entry on `node` was started and not finished. */
  unfinishedEntries(node: string): Promise<string[]>;
  /**
   * A call of this caller channel ended within the last hour: how, and in which queue (reconcile);
   * `left`: the caller left the queue alive (withdraw, timeout...) with `status` (its QUEUESTATUS).
   */
  endedCall(callerChannel: string): Promise<EndedCall | undefined>;
  listCalls(queue?: string): Promise<CallSnapshot[]>;
  /** Waiting calls of a queue in queue order. */
  waitingCalls(queue: string): Promise<CallSnapshot[]>;

  /** Events after `afterId` ('0' = from the start of the capped stream, '$' = only new), waiting up to `blockMs` when none. */
  readEvents(afterId: string, opts?: { count?: number; blockMs?: number }): Promise<StoredEvent[]>;
  /** Id of the newest event ('0-0' when the stream is empty): where a reader stands to get only new events. */
  lastEventId(): Promise<string>;
  close(): Promise<void>;
}

/** How a caller's call ended, kept for the reconcile (see endedCall). */
export type EndedCall = { endedBy: 'caller' | 'agent' | 'lost'; queue: string } | { endedBy: 'left'; queue: string; status: string };
