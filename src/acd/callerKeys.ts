/**
 * DTMF from a waiting caller (ChannelDtmfReceived): the queue's exit key leaves with
 * QUEUESTATUS=EXITWITHKEY, its callback key turns the wait into a callback. Other digits, and
 * digits from callers already talking to an agent, are ignored.
 */
import type { AcdContext } from './context.js';
import { requestCallback } from './callback.js';
import { exitQueue } from './queueExit.js';

export async function onCallerDtmf(ctx: AcdContext, channelId: string, digit: string): Promise<void> {
  const callId = await ctx.store.callIdByChannel(channelId);
  if (!callId) return;
  await ctx.locks.run(callId, async () => {
    const stay = await ctx.store.stayOf(callId);
    if (!stay || stay.callerChannel !== channelId || stay.state === 'connected') return;
    const queue = await ctx.store.getQueue(stay.queue);
    if (!queue) return;
    if (digit === queue.exitKey) await exitQueue(ctx, callId, 'EXITWITHKEY', { fence: stay.joinSeq });
    else if (digit === queue.callback?.key && stay.state === 'waiting') await requestCallback(ctx, callId, channelId, queue);
  });
}
