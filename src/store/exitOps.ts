/**
 * Store operations of the caller experience: a caller leaving its queue alive (one atomic
 * script, with overflow into another queue), where a caller stands and its estimated wait.
 * Thin wrappers over `leaveQueue-4.lua` and `waitInfo-1.lua`.
 */
import type { CallSnapshot } from '../domain/call.js';
import type { StoreContext } from './context.js';

export interface LeaveOptions {
  /** The caller's joinSeq the decision was made for (a stale timer changes nothing). */
  fence?: number;
  /** Leave only when the queue is empty by its leaveWhenEmpty rule (checked in the same script). */
  onlyIfEmpty?: boolean;
  /** Move to this queue instead of leaving (when it exists and accepts the caller). */
  overflowTo?: string;
}

export type LeaveResult =
  | { ok: false; why: 'gone' | 'fence' | 'connected' | 'notempty' }
  | {
      ok: true;
      /** State the call was in: 'offering' means an agent leg must be hung up. */
      state: CallSnapshot['state'];
      agentId: string;
      agentChannel: string;
      callerChannel: string;
      queue: string;
      /** The overflow queue the caller now waits in; undefined = it left (the call is gone). */
      movedTo?: string;
      /** Every agent leg the call was offered on (ringall: several): the engine hangs them up. */
      offeredChannels: string[];
    };

export interface WaitInfo {
  /** 1-based; 0 = the call is not waiting in this queue. For a queue alone: the place a new caller would get. */
  position: number;
  ewtMs: number;
  /** Moving average handle time (talk + wrap-up); undefined before the first completed call. */
  ahtMs?: number;
  waiting: number;
  completed: number;
}

/** What the caller-experience timers check before acting. */
export interface StayRef {
  queue: string;
  state: CallSnapshot['state'];
  /** Changes each time the call joins a queue (enqueue, overflow). */
  joinSeq: number;
  /** '' for a callback call between the caller leaving and the customer answering our call back. */
  callerChannel: string;
  /** Callback: the customer's number ('' = not a callback), the leg being dialed, tries so far. */
  cbNumber: string;
  cbChannel: string;
  cbAttempt: number;
}

export interface ExitStore {
  leaveQueue(callId: string, reason: string, opts?: LeaveOptions): Promise<LeaveResult>;
  waitInfo(queue: string, callId?: string): Promise<WaitInfo>;
  stayOf(callId: string): Promise<StayRef | undefined>;
}

export function createExitOps({ redis, keys, run }: StoreContext): ExitStore {
  return {
    async leaveQueue(callId, reason, opts = {}) {
      const reply = (await run(
        'leaveQueue',
        [keys.call(callId), keys.chan, keys.calls, keys.events],
        [keys.prefix, callId, reason, opts.fence ?? '', opts.onlyIfEmpty ? '1' : '', opts.overflowTo ?? ''],
      )) as [number, string, string, string, string, string, string, ...string[]];
      const [ok, state, agentId, agentChannel, callerChannel, queue, movedTo, ...released] = reply;
      if (ok !== 1) return { ok: false, why: state as Extract<LeaveResult, { ok: false }>['why'] };
      const offeredChannels = [...new Set([agentChannel, ...released].filter(Boolean))];
      return { ok: true, state: state as CallSnapshot['state'], agentId, agentChannel, callerChannel, queue, offeredChannels, ...(movedTo ? { movedTo } : {}) };
    },
    async waitInfo(queue, callId = '') {
      const [position, ewtMs, ahtMs, waiting, completed] = (await run('waitInfo', [keys.queue(queue)], [keys.prefix, callId])) as number[];
      return { position, ewtMs, waiting, completed, ...(ahtMs >= 0 ? { ahtMs } : {}) };
    },
    async stayOf(callId) {
      const fields = ['queue', 'state', 'joinSeq', 'callerChannel', 'cbNumber', 'cbChannel', 'cbAttempt'] as const;
      const [queue, state, joinSeq, callerChannel, cbNumber, cbChannel, cbAttempt] = await redis.hmget(keys.call(callId), ...fields);
      if (!queue || !state) return undefined;
      return {
        queue,
        state: state as CallSnapshot['state'],
        joinSeq: Number(joinSeq ?? 0),
        callerChannel: callerChannel ?? '',
        cbNumber: cbNumber ?? '',
        cbChannel: cbChannel ?? '',
        cbAttempt: Number(cbAttempt ?? 0),
      };
    },
  };
}
