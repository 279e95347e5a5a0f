/** The caller's journey through the queue: thin wrappers over the Lua scripts. */
import { RONA_REASON } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import { isEmpty, readHashes, type StoreContext } from './context.js';
import { assignmentFromReply, callFromHash, hashFromFlat } from './parse.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { AcdStore, CallEnded } from './types.js';

export type CallOps = Pick<
  AcdStore,
  'enqueue' | 'assign' | 'markRinging' | 'offerFailed' | 'connect' | 'endCall' | 'getCall' | 'callIdByChannel' | 'listCalls' | 'waitingCalls'
>;

/** endCall reply: {state, call HGETALL[, agentId, version, wrapupS]}. */
function callEndedFromReply(reply: unknown): CallEnded | undefined {
  if (reply === null) return undefined;
  const [state, flat, agentId, version, seconds] = reply as [CallSnapshot['state'], string[], string?, number?, string?];
  const ended: CallEnded = { state, call: callFromHash(hashFromFlat(flat)) };
  if (agentId !== undefined) ended.wrapup = { agentId, version: Number(version), seconds: Number(seconds) };
  return ended;
}

export function createCallOps({ redis, keys, run }: StoreContext): CallOps {
  const getCalls = async (ids: string[]): Promise<CallSnapshot[]> =>
    (await readHashes(redis, ids.map(keys.call))).filter((h) => !isEmpty(h)).map(callFromHash);

  return {
    async enqueue(req) {
      const reply = await mapScriptErrors(
        run(
          'enqueue',
          [keys.call(req.callId), keys.queue(req.queue), keys.queueWaiting(req.queue), keys.seq, keys.calls, keys.chan, keys.events],
          [req.callId, req.queue, req.callerChannel, req.callerNumber, req.callerName, req.priority, req.node],
        ),
        (code, detail) => (code === 'queue_not_found' ? `queue ${req.queue} not found` : detail),
      );
      const [position, created] = reply as [number, number];
      return { position, created: created === 1 };
    },

    async assign(trigger, agentChannel) {
      const pending =
        'queue' in trigger
          ? run(
              'assignByQueue',
              [keys.queue(trigger.queue), keys.queueWaiting(trigger.queue), keys.queueIdle(trigger.queue), keys.chan, keys.events],
              [keys.prefix, trigger.queue, agentChannel],
            )
          : run(
              'assignByAgent',
              [keys.agent(trigger.agentId), keys.agentQueues(trigger.agentId), keys.chan, keys.events],
              [keys.prefix, trigger.agentId, agentChannel],
            );
      return assignmentFromReply(await mapScriptErrors(pending, (_code, detail) => detail));
    },

    markRinging: async (callId, agentChannel) =>
      (await run('markRinging', [keys.call(callId), keys.events], [keys.prefix, callId, agentChannel])) === 1,

    async offerFailed(callId, agentChannel, outcome, retryDelayMs = 0) {
      const [ok, agentId] = (await run(
        'offerFailed',
        [keys.call(callId), keys.chan, keys.events],
        [keys.prefix, callId, agentChannel, outcome, RONA_REASON, Math.max(0, Math.round(retryDelayMs))],
      )) as [number, string?];
      return ok === 1 ? { ok: true, agentId } : { ok: false };
    },

    connect: async (callId, agentChannel, bridgeId) =>
      (await run('connect', [keys.call(callId), keys.events], [keys.prefix, callId, agentChannel, bridgeId])) === 1,

    endCall: async (callId, endedBy) =>
      callEndedFromReply(await run('endCall', [keys.call(callId), keys.chan, keys.calls, keys.events], [keys.prefix, callId, endedBy])),

    getCall: async (callId) => (await getCalls([callId]))[0],
    callIdByChannel: async (channelId) => (await redis.hget(keys.chan, channelId)) ?? undefined,

    async listCalls(queue) {
      const calls = await getCalls(await redis.smembers(keys.calls));
      return calls.filter((c) => queue === undefined || c.queue === queue).sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
    },
    waitingCalls: async (queue) => getCalls(await redis.zrange(keys.queueWaiting(queue), '0', '-1')),
  };
}
