/**
 * Store operations of call control (src/acd/control): a blind transfer as one atomic step, and
 * the per-call control state (held, muted, supervisor monitor...) recorded together with the
 * CallControl event that reports it. Thin wrappers over the transfer scripts (transferToQueue,
 * transferToAgent, consultComplete, transferToExtension, park) and `ctlUpdate-3.lua`.
 */
import type { AcdEvent, ControlCallStep } from '../domain/events.js';
import { isEmpty, readHashes, type StoreContext } from './context.js';
import { agentFromReply, assignmentFromReply, hashFromFlat } from './parse.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { ScriptArg, ScriptName } from './scripts.js';
import type { Assignment } from './types.js';
import { AGENT_LIFECYCLE, AGENT_PENDING_ON_CALL, allowedFrom } from '../domain/lifecycle.js';
import type { ControlCall, ControlCallPatch, NewControlCall } from '../domain/controlCall.js';
import { decodeControlCall, encodeControlCallPatch, encodeNewControlCall } from './controlCallCodec.js';

export type CallControlEvent = Omit<Extract<AcdEvent, { type: 'CallControl' }>, 'ts'>;

export interface TransferRequest {
  callId: string;
  /** The connected agent leg (fence). */
  agentChannel: string;
  target:
    /**
     * The caller joins `queue` at the end of its priority class; `agentLeft`: not a transfer, the
     * agent's leg left before the bridge, so the caller (who never spoke to the agent) keeps its
     * place in its own queue and the agent's AgentComplete says completeagent.
     */
    | { queue: string; agentLeft?: boolean }
    | { agentId: string; agentChannel: string }
    | { destination: string; destChannel: string; node: string }
    /** Completes a consult with this agent: its consult leg becomes the call's agent leg (a consult to a queue: its leg on `queueCall`, which is removed). */
    | { consultAgent: string; agentChannel: string; queueCall?: string }
    /** Parks the caller in the lowest free slot of `slots` (`701-720`); control call `pk-<callId>`. */
    | { park: string; bridgeId: string; node: string };
  by: string;
}

export interface TransferResult {
  /** The caller's queue afterwards. */
  queue: string;
  /** The released agent entered after-call work: schedule its wrap-up timer. */
  wrapup?: { agentId: string; version: number; seconds: number };
  /** Endpoint of the target agent (agent transfers). */
  targetEndpoint: string;
  /** The parking slot (park). */
  slot: number;
}

/** A manual-answer offer: its leg waits undialed (held), the agent answered before the leg was ready (answer), or the leg was dialed (dialed). */
export type AnswerState = 'held' | 'answer' | 'dialed';

/** What unpark did: the caller is gone, its queue is, it waits in its queue, or it is offered to the agent. */
export type UnparkResult = { to: 'gone' } | { to: 'noqueue' } | { to: 'queue'; queue: string } | { to: 'agent'; assignment: Assignment };

export interface UnparkRequest {
  id: string;
  reason: 'retrieved' | 'timeout' | 'hangup';
  by: string;
  /** '' = the caller hung up. */
  agentId: string;
  agentChannel: string;
  /** strict: the agent must be ready (retrieval); fallback: else the caller waits in its queue. */
  mode: 'strict' | 'fallback';
  /** The park's startedAt (timer fence). */
  startedAt?: number;
}

export interface ControlCallEnded {
  record: ControlCall;
  /** The agent entered after-call work: schedule its wrap-up timer. */
  wrapup?: { agentId: string; version: number; seconds: number };
}

/** A call recording made on request (src/acd/control/recording.ts). */
export interface RecordingInfo {
  name: string;
  format: string;
  callId: string;
  agentId: string;
  queue: string;
  /** ms epoch */
  startedAt: number;
  by: string;
  /** Seconds recorded (paused time excluded); absent while the recording runs. */
  durationS?: number;
}

export interface ControlStore {
  /**
   * ready | not_ready → after_call_work on the agent's request (reason `acw`); returns the new version.
   * On a call it is kept for the call's end instead (`pending`: no wrap-up timer to start now).
   */
  enterAfterCallWork(agentId: string, by: string): Promise<{ version: number; wrapupS?: number; pending?: boolean }>;
  addRecording(info: RecordingInfo): Promise<void>;
  /** Newest first. */
  listRecordings(filter?: { callId?: string; agentId?: string }): Promise<RecordingInfo[]>;
  getRecording(name: string): Promise<RecordingInfo | undefined>;
  /** The PBX reported the recording finished (idempotent: every engine node hears it). */
  finishRecording(name: string, durationS: number): Promise<void>;
  /**
   * The engine's own duration of a recording it stopped: listed when the PBX's RecordingFinished
   * has not come RECORDING_ESTIMATE_GRACE_MS after the stop (Asterisk does not always send it when
   * the recording ends with its bridge).
   */
  estimateRecording(name: string, durationS: number, stoppedAt: number): Promise<void>;
  /** Agent (in one of `acceptedIn`) → busy on control call `id`. AcdError agent_not_found / invalid_state. */
  startControlCall(req: { call: NewControlCall; by: string; acceptedIn: readonly string[] }): Promise<void>;
  /** Updates a control call; `step` appends a CallControl event (action = the call's kind). False when it already ended. */
  setControlCall(id: string, patch: ControlCallPatch, step?: ControlCallStep): Promise<boolean>;
  /** Ends a control call (idempotent): its agent wraps up. */
  endControlCall(id: string, defaultWrapupS: number): Promise<ControlCallEnded | undefined>;
  /** AcdError internal when the record does not fit its kind. */
  getControlCall(id: string): Promise<ControlCall | undefined>;
  /** A record that does not fit its kind is left out (logged): one bad record must not stop the others' repair. */
  listControlCalls(): Promise<ControlCall[]>;
  /** Blind transfer of a connected call to a queue, a ready agent or an extension (the call then becomes control call `rd-<callId>`). AcdError call_not_found / invalid_state / queue_not_found / agent_not_found. */
  transferCall(req: TransferRequest): Promise<TransferResult>;
  /** A parked call leaves its slot (unpark-3.lua); undefined when it is not parked (any more). AcdError agent_not_found / invalid_state. */
  unpark(req: UnparkRequest): Promise<UnparkResult | undefined>;
  /** The control call id parked in `slot`, if any. */
  parkedIn(slot: number): Promise<string | undefined>;
  /** Whether the agent's definition asks for manual answer. */
  answersManually(agentId: string): Promise<boolean>;
  /** Where a manual-answer offer on `agentChannel` is; undefined when nothing happened yet. */
  getAnswerState(agentChannel: string): Promise<AnswerState | undefined>;
  /** Sets it, for `ttlMs` (the offer's lifetime at most). */
  setAnswerState(agentChannel: string, state: AnswerState, ttlMs: number): Promise<void>;
  /** Sets (value '' deletes) control fields of a connected call and appends `event`; false when the call is not connected on `agentChannel`. */
  updateControl(callId: string, agentChannel: string, fields: Record<string, string>, event?: CallControlEvent): Promise<boolean>;
  /** The control fields of a call ({} when none). */
  getControl(callId: string): Promise<Record<string, string>>;
  /** The variables stored with a queue call at entry ({} when none): caller's Stasis options, configured channel variables. */
  callVariables(callId: string): Promise<Record<string, string>>;
}

/** How long after the stop the engine's own duration stands in for a RecordingFinished that did not come. */
export const RECORDING_ESTIMATE_GRACE_MS = 5_000;
const settledEstimate = (estimate: string | undefined, now: number): string | undefined => {
  if (!estimate) return undefined;
  const [seconds, stoppedAt] = estimate.split(':');
  return now - Number(stoppedAt) >= RECORDING_ESTIMATE_GRACE_MS ? seconds : undefined;
};
const withDuration = (info: RecordingInfo, duration: string | undefined): RecordingInfo => (duration === undefined ? info : { ...info, durationS: Number(duration) });

export function createControlOps({ redis, keys, run, logger }: StoreContext): ControlStore {
  return {
    async transferCall({ callId, agentChannel, target, by }) {
      // One script per transition; each takes the same first four arguments.
      const [script, ...args]: [ScriptName, ...ScriptArg[]] =
        'queue' in target
          ? ['transferToQueue', target.queue, target.agentLeft ? '1' : '']
          : 'agentId' in target
            ? ['transferToAgent', target.agentId, target.agentChannel]
            : 'consultAgent' in target
              ? ['consultComplete', target.consultAgent, target.agentChannel, target.queueCall ?? '']
              : 'park' in target
                ? ['park', target.park, target.bridgeId, target.node]
                : ['transferToExtension', target.destination, target.destChannel, target.node];
      const reply = (await mapScriptErrors(
        run(script, [keys.call(callId), keys.chan, keys.events], [keys.prefix, callId, agentChannel, by, ...args]),
        (code, detail) => {
          if (code === 'call_not_found') return `no active call '${callId}'`;
          if (code === 'queue_not_found') return `queue '${detail}' does not exist`;
          if (code === 'agent_not_found') return `agent '${detail}' does not exist`;
          return `cannot transfer call ${callId}: ${detail.replace(/_/g, ' ')}`;
        },
      )) as [string, string, number, string | number, string, number];
      const [queue, agentId, version, seconds, targetEndpoint, slot] = reply;
      return { queue, targetEndpoint, slot: Number(slot ?? 0), ...(agentId ? { wrapup: { agentId, version: Number(version), seconds: Number(seconds) } } : {}) };
    },
    async unpark({ id, reason, by, agentId, agentChannel, mode, startedAt }) {
      const reply = (await mapScriptErrors(
        run('unpark', [keys.controlCall(id), keys.chan, keys.events], [keys.prefix, id, reason, by, agentId, agentChannel, mode, startedAt ?? '']),
        (code, detail) => (code === 'agent_not_found' ? `agent '${detail}' does not exist` : `agent ${agentId} is ${detail.replace(/^agent_/, '')}; retrieving a parked call needs ready`),
      )) as string[] | null;
      if (!reply) return undefined;
      const [to, ...rest] = reply;
      if (to === 'agent') return { to, assignment: assignmentFromReply(rest)! };
      return to === 'queue' ? { to, queue: rest[0]! } : { to: to as 'gone' | 'noqueue' };
    },
    answersManually: async (agentId) => (await redis.hget(keys.agent(agentId), 'manualAnswer')) === '1',
    getAnswerState: async (agentChannel) => ((await redis.get(keys.manualAnswer(agentChannel))) as AnswerState | null) ?? undefined,
    async setAnswerState(agentChannel, state, ttlMs) {
      await redis.set(keys.manualAnswer(agentChannel), state, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    parkedIn: async (slot) => (await redis.hget(keys.parking, String(slot))) ?? undefined,
    updateControl: async (callId, agentChannel, fields, event) =>
      (await run('ctlUpdate', [keys.ctl(callId), keys.call(callId), keys.events], [agentChannel, JSON.stringify(fields), event ? JSON.stringify(event) : ''])) === 1,
    getControl: (callId) => redis.hgetall(keys.ctl(callId)),
    async callVariables(callId) {
      const json = await redis.hget(keys.call(callId), 'variables');
      return json ? (JSON.parse(json) as Record<string, string>) : {};
    },
    async enterAfterCallWork(agentId, by) {
      // The generic status script (changeStatus-2.lua) with after_call_work as the target.
      const reply = await mapScriptErrors(
        run('changeStatus', [keys.agent(agentId), keys.events], [keys.prefix, agentId, 'after_call_work', '', by, allowedFrom(AGENT_LIFECYCLE, 'afterCallWork').join(','), AGENT_PENDING_ON_CALL.afterCallWork.join(',')]),
        (code, detail) => (code === 'agent_not_found' ? `agent '${agentId}' does not exist` : `agent ${agentId} is ${detail}; after-call work needs ready, not_ready or a call (then it starts when the call ends)`),
      );
      const agent = agentFromReply(reply);
      if (agent.status !== 'after_call_work') return { version: agent.version, pending: true };
      const own = await redis.hget(keys.agent(agentId), 'wrapupS');
      return { version: agent.version, ...(own ? { wrapupS: Number(own) } : {}) };
    },
    async addRecording(info) {
      await redis.hset(keys.recordings, info.name, JSON.stringify(info));
    },
    async listRecordings(filter = {}) {
      const [infos, durations, estimates] = await Promise.all([redis.hgetall(keys.recordings), redis.hgetall(keys.recordingDurations), redis.hgetall(keys.recordingEstimates)]);
      const now = Date.now();
      const all = Object.entries(infos).map(([name, v]) => withDuration(JSON.parse(v) as RecordingInfo, durations[name] ?? settledEstimate(estimates[name], now)));
      return all
        .filter((r) => (filter.callId === undefined || r.callId === filter.callId) && (filter.agentId === undefined || r.agentId === filter.agentId))
        .sort((a, b) => b.startedAt - a.startedAt);
    },
    async getRecording(name) {
      const [info, duration, estimate] = await Promise.all([redis.hget(keys.recordings, name), redis.hget(keys.recordingDurations, name), redis.hget(keys.recordingEstimates, name)]);
      return info ? withDuration(JSON.parse(info) as RecordingInfo, duration ?? settledEstimate(estimate ?? undefined, Date.now())) : undefined;
    },
    async finishRecording(name, durationS) {
      // Its own hash: the PBX may report the end before the recording's info is written.
      await redis.hset(keys.recordingDurations, name, String(durationS));
    },
    async estimateRecording(name, durationS, stoppedAt) {
      await redis.hset(keys.recordingEstimates, name, `${durationS}:${stoppedAt}`);
    },
    async startControlCall({ call, by, acceptedIn }) {
      const { id, agentId } = call;
      await mapScriptErrors(
        run('controlCallStart', [keys.agent(agentId || '-'), keys.controlCall(id), keys.controlCalls, keys.events], [keys.prefix, agentId, id, JSON.stringify(encodeNewControlCall(call)), by, acceptedIn.join(',')]),
        (code, detail) => (code === 'agent_not_found' ? `agent '${agentId}' does not exist` : code === 'invalid_state' ? `agent ${agentId} is ${detail}; a call needs ${acceptedIn.join(', ')}` : detail),
      );
    },
    setControlCall: async (id, patch, step) =>
      (await run('controlCallSet', [keys.controlCall(id), keys.events], [JSON.stringify(encodeControlCallPatch(patch)), step ? JSON.stringify(step) : ''])) === 1,
    async endControlCall(id, defaultWrapupS) {
      const reply = (await run('controlCallEnd', [keys.controlCall(id), keys.controlCalls, keys.events], [keys.prefix, id, defaultWrapupS])) as [string[], string, number, string] | null;
      if (!reply) return undefined;
      const [flat, agentId, version, seconds] = reply;
      const record = decodeControlCall(hashFromFlat(flat));
      return { record, ...(Number(version) > 0 && Number(seconds) > 0 ? { wrapup: { agentId, version: Number(version), seconds: Number(seconds) } } : {}) };
    },
    async getControlCall(id) {
      const hash = await redis.hgetall(keys.controlCall(id));
      return Object.keys(hash).length > 0 ? decodeControlCall(hash) : undefined;
    },
    async listControlCalls() {
      const hashes = await readHashes(redis, (await redis.smembers(keys.controlCalls)).map(keys.controlCall));
      return hashes.filter((h) => !isEmpty(h)).flatMap((hash) => {
        try {
          return [decodeControlCall(hash)];
        } catch (err) {
          logger?.error({ err, id: hash.id }, 'control call record left out');
          return [];
        }
      });
    },
  };
}
