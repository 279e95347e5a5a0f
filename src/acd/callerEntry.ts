/**
 * Step 1 of a caller's journey: the caller's channel entered Stasis(acd,<queue>,...).
 * Answer, music on hold, join the queue in Redis, then ask the router for an agent.
 * Replaying it (reconcile after a restart) is harmless: enqueue is idempotent by call id.
 */
import type { ChannelInfo } from '../pbx/port.js';
import { isPbxError } from '../pbx/port.js';
import type { AcdContext } from './context.js';
import { parseStasisArgs } from './stasisArgs.js';

/** The call id is the caller's channel id: deterministic, so a replayed StasisStart finds the same call. */
export const callIdOf = (callerChannelId: string) => callerChannelId;

/** Sends a caller the engine will not queue back to the dialplan, with the reason in channel variables. */
async function rejectToDialplan(ctx: AcdContext, channelId: string, status: string, reason: string): Promise<void> {
  ctx.logger.warn({ channelId, status, reason }, 'caller not queued; continuing in dialplan');
  try {
    await ctx.pbx.setVariable(channelId, 'QUEUESTATUS', status);
    await ctx.pbx.setVariable(channelId, 'ACD_ERROR', reason);
    await ctx.pbx.continueInDialplan(channelId);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) throw err;
  }
}

export async function handleCallerEntry(ctx: AcdContext, channel: ChannelInfo, args: string[]): Promise<void> {
  const entry = parseStasisArgs(args);
  if (entry.role === 'invalid') return rejectToDialplan(ctx, channel.id, 'INVALID', entry.reason);
  if (entry.role !== 'caller') return;
  const queue = await ctx.store.getQueue(entry.queue);
  if (!queue) return rejectToDialplan(ctx, channel.id, 'UNKNOWN', `no queue '${entry.queue}'`);

  const callId = callIdOf(channel.id);
  const log = ctx.logger.child({ callId, queue: queue.id });
  try {
    if (channel.state !== 'Up') await ctx.pbx.answer(channel.id);
    await ctx.pbx.startMoh(channel.id, queue.musicClass);
  } catch (err) {
    // The caller hung up before we could answer: its StasisEnd (queued behind us) finds no call.
    if (isPbxError(err, 'not_found')) return log.info('caller gone before being queued');
    throw err;
  }
  const { position, created } = await ctx.store.enqueue({
    callId,
    queue: queue.id,
    callerChannel: channel.id,
    callerNumber: channel.callerNumber,
    callerName: channel.callerName,
    priority: entry.priority,
    node: ctx.nodeId,
  });
  log.info({ position, created, priority: entry.priority, caller: channel.callerNumber }, 'caller queued');
  ctx.kick({ queue: queue.id });
}
