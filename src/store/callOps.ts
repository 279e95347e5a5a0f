/** The caller's journey through the queue: thin wrappers over the Lua scripts. */
import { RONA_REASON } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import { isEmpty, readHashes, type StoreContext } from './context.js';
import { AcdError } from '../domain/errors.js';
import { skillsKey } from '../domain/routing.js';
import { assignmentFromReply, callFromHash, hashFromFlat, routeResultFromReply } from './parse.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { AcdStore, CallEnded } from './types.js';

export type CallOps = Pick<
  AcdStore,
  | 'enqueue'
  | 'assign'
  | 'route'
  | 'offerMore'
  | 'callOffers'
  | 'setPriority'
  | 'markRinging'
  | 'offerFailed'
  | 'connect'
  | 'connectOffer'
  | 'endCall'
  | 'getCall'
  | 'callIdByChannel'
  | 'callOfChannel'
  | 'endedCall'
  | 'listCalls'
  | 'waitingCalls'
>;

/** Highest caller priority (the waiting score keeps 1000 bands). */
const MAX_PRIORITY = 999;

/** endCall reply: {state, call HGETALL, released, control HGETALL, nextCaller[, agentId, version, wrapupS]}. */
function callEndedFromReply(reply: unknown): CallEnded | undefined {
  if (reply === null) return undefined;
  const [state, flat, released, control, nextCaller, agentId, version, seconds] = reply as [CallSnapshot['state'], string[], string[], string[], number, string?, number?, string?];
  const ended: CallEnded = { state, call: callFromHash(hashFromFlat(flat)), releasedLegs: released, control: hashFromFlat(control), nextCallerWaits: nextCaller === 1 };
  if (agentId !== undefined) ended.wrapup = { agentId, version: Number(version), seconds: Number(seconds) };
  return ended;
}

export function createCallOps({ redis, keys, run }: StoreContext): CallOps {
  const getCalls = async (ids: string[]): Promise<CallSnapshot[]> =>
    (await readHashes(redis, ids.map(keys.call))).filter((h) => !isEmpty(h)).map(callFromHash);

  const ops: CallOps = {
    async enqueue(req) {
      const reply = await mapScriptErrors(
        run(
          'enqueue',
          [keys.call(req.callId), keys.queue(req.queue), keys.queueWaiting(req.queue), keys.seq, keys.calls, keys.chan, keys.events, keys.entries(req.node)],
          [
            req.callId,
            req.queue,
            req.callerChannel,
            req.callerNumber,
            req.callerName,
            req.priority,
            req.node,
            skillsKey(req.skills ?? {}),
            req.variables ? JSON.stringify(req.variables) : '',
            req.recordEntry ? '1' : '',
            req.routeWith ?? '',
          ],
        ),
        (code, detail) => (code === 'queue_not_found' ? `queue ${req.queue} not found` : detail),
      );
      const [position, created, rejected, joinSeq, entryKnown, routed] = reply as [number, number, 'FULL' | 'JOINEMPTY' | '', number | '', number, unknown?];
      return {
        position,
        created: created === 1,
        ...(rejected ? { rejected } : {}),
        ...(joinSeq !== '' ? { joinSeq } : {}),
        ...(req.recordEntry ? { entryRecordedBefore: entryKnown === 1 } : {}),
        ...(routed !== undefined ? { route: routeResultFromReply(routed) } : {}),
      };
    },

    async route(trigger, agentChannel) {
      const pending =
        'queue' in trigger
          ? run('assignByQueue', [keys.queue(trigger.queue), keys.queueWaiting(trigger.queue), keys.chan, keys.events], [keys.prefix, trigger.queue, agentChannel])
          : run(
              'assignByAgent',
              [keys.agent(trigger.agentId), keys.agentQueues(trigger.agentId), keys.chan, keys.events],
              [keys.prefix, trigger.agentId, agentChannel],
            );
      return routeResultFromReply(await mapScriptErrors(pending, (_code, detail) => detail));
    },
    assign: async (trigger, agentChannel) => (await ops.route(trigger, agentChannel)).assignments[0] ?? null,

    async offerMore(callId, round, agentChannel) {
      const [now, offer] = (await run('offerMore', [keys.call(callId), keys.chan, keys.events], [keys.prefix, callId, round, agentChannel])) as [number, unknown?];
      if (now === 0) return null;
      return offer ? { round: now, assignment: assignmentFromReply(offer)! } : { round: now };
    },

    async callOffers(callId) {
      const offers = await redis.hgetall(keys.callOffers(callId));
      return Object.entries(offers).map(([agentChannel, agentId]) => ({ agentChannel, agentId }));
    },

    async setPriority(callId, priority) {
      if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
        throw new AcdError('validation', `priority must be an integer from 0 to ${MAX_PRIORITY}, got ${priority}`, { field: 'priority' });
      }
      const reply = await mapScriptErrors(run('setPriority', [keys.call(callId), keys.events], [keys.prefix, callId, priority]), (code, detail) =>
        code === 'call_not_found' ? `no active call '${callId}'` : `call ${callId} is ${detail}: only a waiting caller's priority can change`,
      );
      const [now, position] = reply as [number, number];
      return { priority: now, position };
    },

    markRinging: async (callId, agentChannel) =>
      (await run('markRinging', [keys.call(callId), keys.events], [keys.prefix, callId, agentChannel])) === 1,

    async offerFailed(callId, agentChannel, outcome, retryDelayMs = 0) {
      const [ok, agentId, backoffMs, offersLeft] = (await run(
        'offerFailed',
        [keys.call(callId), keys.chan, keys.events],
        [keys.prefix, callId, agentChannel, outcome, RONA_REASON, Math.max(0, Math.round(retryDelayMs))],
      )) as [number, string?, number?, number?];
      return ok === 1 ? { ok: true, agentId, backoffMs, offersLeft } : { ok: false };
    },

    async connectOffer(callId, agentChannel, bridgeId, refuseCallerless = false) {
      const [ok, flat, ...released] = (await run('connect', [keys.call(callId), keys.chan, keys.events], [keys.prefix, callId, agentChannel, bridgeId, refuseCallerless ? '1' : ''])) as [
        number,
        string[]?,
        ...string[],
      ];
      if (ok === 2) return { ok: false, released: [], callerless: true };
      return ok === 1 ? { ok: true, released, call: callFromHash(hashFromFlat(flat!)) } : { ok: false, released: [] };
    },
    connect: async (callId, agentChannel, bridgeId) => (await ops.connectOffer(callId, agentChannel, bridgeId)).ok,

    endCall: async (callId, endedBy, agentChannel = '') =>
      callEndedFromReply(await run('endCall', [keys.call(callId), keys.chan, keys.calls, keys.events], [keys.prefix, callId, endedBy, agentChannel])),

    getCall: async (callId) => (await getCalls([callId]))[0],
    callIdByChannel: async (channelId) => (await redis.hget(keys.chan, channelId)) ?? undefined,
    async callOfChannel(channelId) {
      const reply = (await run('callOfChannel', [keys.chan], [keys.prefix, channelId])) as [string, string[]] | null;
      if (!reply) return undefined;
      const [callId, flat] = reply;
      return flat.length > 0 ? { callId, call: callFromHash(hashFromFlat(flat)) } : { callId };
    },
    async endedCall(callerChannel) {
      const value = await redis.get(keys.endedCaller(callerChannel));
      if (!value) return undefined;
      // `<endedBy>:<queue>` (endCall-4.lua) or `left:<queue>:<status>` (leaveQueue-4.lua); ids hold no ':'.
      const [endedBy = '', queue = '', status = ''] = value.split(':');
      return endedBy === 'left' ? { endedBy, queue, status } : { endedBy: endedBy as 'caller' | 'agent' | 'lost', queue };
    },

    async listCalls(queue) {
      const calls = await getCalls(await redis.smembers(keys.calls));
      return calls.filter((c) => queue === undefined || c.queue === queue).sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
    },
    waitingCalls: async (queue) => getCalls(await redis.zrange(keys.queueWaiting(queue), '0', '-1')),
  };
  return ops;
}
