/**
 * Store operations of callbacks (virtual hold): the caller leaves its line but keeps its place,
 * the engine calls the customer back once an agent answered the offer. Thin wrappers over the
 * `callback*.lua` scripts; every one is fenced so replays and late events change nothing.
 */
import type { StoreContext } from './context.js';

export interface CallbackFailure {
  outcome: 'retry' | 'gaveup';
  agentId: string;
  agentChannel: string;
  /** Tries so far (the retry timer is fenced by it). */
  attempt: number;
}

export interface CallbackStore {
  /** waiting on `callerChannel` → waiting without a caller channel, to be called back on `number`. */
  requestCallback(callId: string, callerChannel: string, number: string): Promise<boolean>;
  /**
   * The agent answered: the customer is dialed on `cbChannel`. Returns the attempt number and the
   * other offered legs released (hang them up), undefined when fenced out.
   */
  callbackDial(callId: string, agentChannel: string, cbChannel: string): Promise<{ attempt: number; released: string[] } | undefined>;
  /** The customer answered on `cbChannel`: it becomes the call's caller channel. */
  callbackAnswered(callId: string, cbChannel: string): Promise<boolean>;
  /** The customer did not answer on `cbChannel`: agent freed; the call parks for a retry or leaves after `maxAttempts`. */
  callbackFailed(callId: string, cbChannel: string, maxAttempts: number): Promise<CallbackFailure | undefined>;
  /** Retry delay over: the parked call takes its place again. Returns its queue, undefined when fenced out. */
  callbackRequeue(callId: string, attempt: number): Promise<string | undefined>;
}

export function createCallbackOps({ keys, run }: StoreContext): CallbackStore {
  return {
    requestCallback: async (callId, callerChannel, number) =>
      (await run('callbackRequest', [keys.call(callId), keys.chan, keys.events], [callId, callerChannel, number])) === 1,
    async callbackDial(callId, agentChannel, cbChannel) {
      const [attempt, ...released] = (await run('callbackDial', [keys.call(callId), keys.chan, keys.events], [keys.prefix, callId, agentChannel, cbChannel])) as [
        number,
        ...string[],
      ];
      return attempt ? { attempt: Number(attempt), released } : undefined;
    },
    callbackAnswered: async (callId, cbChannel) => (await run('callbackAnswered', [keys.call(callId), keys.chan], [cbChannel, callId])) === 1,
    async callbackFailed(callId, cbChannel, maxAttempts) {
      const reply = (await run('callbackFailed', [keys.call(callId), keys.chan, keys.events], [keys.prefix, callId, cbChannel, maxAttempts])) as [
        number,
        CallbackFailure['outcome'],
        string,
        string,
        number,
      ];
      if (reply[0] !== 1) return undefined;
      return { outcome: reply[1], agentId: reply[2], agentChannel: reply[3], attempt: Number(reply[4]) };
    },
    async callbackRequeue(callId, attempt) {
      const queue = (await run('callbackRequeue', [keys.call(callId)], [keys.prefix, callId, attempt])) as string;
      return queue || undefined;
    },
  };
}
