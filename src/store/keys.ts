/**
 * Redis key layout. Every key of a tenant lives under one hash tag, `acd:{<tenant>}:`, so all of
 * them hash to one Cluster slot: multi-key Lua stays legal on Cluster/Sentinel, and scripts may
 * build per-agent / per-queue keys from the prefix (the layout below is mirrored in the Lua).
 */
import { AcdError } from '../domain/errors.js';
import { assertId } from '../domain/ids.js';

/** Tenant names become part of a hash tag and a SCAN pattern: no braces, no glob characters. */
const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function tenantPrefix(tenant: string): string {
  if (!TENANT_PATTERN.test(tenant)) {
    throw new AcdError('validation', `tenant "${tenant}" must match ${TENANT_PATTERN.source}`);
  }
  return `acd:{${tenant}}:`;
}

export type StoreKeys = ReturnType<typeof storeKeys>;

/**
 * Queue and agent ids become parts of keys: one that is not an id (`sales:members`) would name
 * another key of another type, so the store refuses it (AcdError validation) before any command.
 */
export function queueId(id: string): string {
  assertId(id, 'queue');
  return id;
}
export function agentId(id: string): string {
  assertId(id, 'agent');
  return id;
}

export function storeKeys(tenant: string) {
  const prefix = tenantPrefix(tenant);
  return {
    prefix,
    /** Hash: status, reason, since, endpoint, defaultEndpoint, call, version, name, wrapupS, callsTaken, lastIdle. */
    agent: (id: string) => `${prefix}agent:${agentId(id)}`,
    /** Hash: queue → penalty. */
    agentQueues: (id: string) => `${prefix}agent:${agentId(id)}:queues`,
    /** Hash: per queue `<queue>:order`, `<queue>:weight` (round-robin order, weighted random). */
    agentRouting: (id: string) => `${prefix}agent:${agentId(id)}:routing`,
    /** Counter giving agents their round-robin order. */
    agentRank: `${prefix}agentRank`,
    /** Hash: the QueueDef fields. */
    queue: (id: string) => `${prefix}queue:${queueId(id)}`,
    /** Pub/sub channel: the id of a queue whose definition changed, `*` for all (queueCache.ts). */
    queueChanged: `${prefix}queueChanged`,
    /** Hash: agent → penalty. */
    queueMembers: (id: string) => `${prefix}queue:${queueId(id)}:members`,
    /** Zset: ready member agents, score = idle-since ms (first = longest idle). */
    queueIdle: (id: string) => `${prefix}queue:${queueId(id)}:idle`,
    /** Zset: waiting call ids, score = priority band then arrival sequence (first = next). */
    queueWaiting: (id: string) => `${prefix}queue:${queueId(id)}:waiting`,
    /** Hash: paused member → JSON {penalty, reason, since}. */
    queuePaused: (id: string) => `${prefix}queue:${queueId(id)}:paused`,
    /** Round-robin cursor and the weighted-random clock of the queue's routing (lua/includes/route.lua). */
    queueRoundRobin: (id: string) => `${prefix}queue:${queueId(id)}:rr`,
    queueClock: (id: string) => `${prefix}queue:${queueId(id)}:clock`,
    /** Hash: handle-time statistics (ahtMs, completed) for wait estimates. */
    queueStats: (id: string) => `${prefix}queue:${queueId(id)}:stats`,
    /** String with a TTL: the score of a caller that hung up, kept for its return (resumeWindowS). */
    queueResume: (id: string, callerNumber: string) => `${prefix}queue:${queueId(id)}:resume:${callerNumber}`,
    /** Hash: status → members in it, logged_out left out (lua/includes/queueCounts.lua). */
    queueCounts: (id: string) => `${prefix}queue:${queueId(id)}:counts`,
    /** Hash 'r:<reason>' → not-ready members with it, 'counted' mark; zset call id → joinedAt (every call of the queue). */
    queueReasons: (id: string) => `${prefix}queue:${queueId(id)}:reasons`,
    queueCallIndex: (id: string) => `${prefix}queue:${queueId(id)}:calls`,
    /** Hash status → agents of the tenant in it (logged_out left out), 'r:<reason>' → not-ready agents, 'counted' mark. */
    agentCounts: `${prefix}agentCounts`,
    /** Routing indexes (lua/includes/pools.lua, waiting.lua): zset of "<penalty>|<profile>" pools; one pool. */
    queuePools: (id: string) => `${prefix}queue:${queueId(id)}:pools`,
    queuePool: (id: string, penalty: number | string, profile: string) => `${prefix}queue:${queueId(id)}:pool:${penalty}:${profile}`,
    /** Set of waiting requirement texts; zset of the waiting callers with one of them. */
    queueSigs: (id: string) => `${prefix}queue:${queueId(id)}:waiting:sigs`,
    queueWaitingSig: (id: string, sig: string) => `${prefix}queue:${queueId(id)}:waiting:sig:${sig}`,
    /** Hash agent channel → agent id: the legs a call is offered on. */
    callOffers: (id: string) => `${prefix}call:${id}:offers`,
    /** Hash: the CallSnapshot fields + score, version, ringStartedAt. */
    call: (id: string) => `${prefix}call:${id}`,
    /** Counter giving callers their arrival order. */
    seq: `${prefix}seq`,
    /** String, tests only: a pinned "now" in ms epoch the scripts use instead of TIME (src/store/clock.ts). */
    clock: `${prefix}clock`,
    /** Hash: channel id (caller or agent leg) → call id. */
    chan: `${prefix}chan`,
    /** Sets of ids. */
    calls: `${prefix}calls`,
    queues: `${prefix}queues`,
    agents: `${prefix}agents`,
    /** String "<endedBy>:<queue>", 1 h: the caller channel's call ended (lua/endCall-4.lua; reconcile finishes it). */
    endedCaller: (channelId: string) => `${prefix}ended:${channelId}`,
    /** Hash per node: caller channel → ms it entered, while its entry is unfinished (entryOps.ts). */
    entries: (node: string) => `${prefix}entries:${node}`,
    /** Hash: call-control state of a call (held, muted, supervisor monitor...); removed with the call. */
    ctl: (callId: string) => `${prefix}ctl:${callId}`,
    /** Hash: a control call (manual outbound, click-to-call, consult leg): agent, legs, state. */
    controlCall: (id: string) => `${prefix}cc:${id}`,
    /** Set of control call ids. */
    controlCalls: `${prefix}ccs`,
    /** Hash: recording name → JSON RecordingInfo (recordings made on request). */
    recordings: `${prefix}recordings`,
    /** Hash: parking slot → control call id `pk-<callId>` (park-3.lua, unpark-3.lua). */
    parking: `${prefix}parking`,
    /** String with a TTL: where a manual-answer offer is (src/acd/control/answer.ts), per agent channel. */
    manualAnswer: (agentChannel: string) => `${prefix}answer:${agentChannel}`,
    /** Hash: recording name → seconds recorded, once the PBX reported the recording finished. */
    recordingDurations: `${prefix}recordingDurations`,
    /** Hash: recording name → `<seconds>:<stopped at, ms epoch>`, the engine's own figure for a recording whose RecordingFinished may never come. */
    recordingEstimates: `${prefix}recordingEstimates`,
    /** Stream of AcdEvents, field `e` = JSON. */
    events: `${prefix}events`,
  };
}
