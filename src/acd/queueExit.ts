/**
 * A caller leaves its queue alive: max wait, leave-when-empty, exit key, withdraw, full or empty
 * queue at join. The store removes it atomically (freeing an offered agent) or moves it to the
 * queue's overflow queue; a caller that leaves continues in the dialplan after Stasis() with
 * QUEUESTATUS set, so the dialplan can send it elsewhere. Runs under the call's lock.
 */
import type { ExitStatus } from '../domain/callerExperience.js';
import { isPbxError } from '../pbx/port.js';
import { hangupQuietly } from './legs.js';
import type { AcdContext } from './context.js';
import { stopAnnouncements, stopHoldMedia } from './holdMedia.js';
import { enterWaitExperience } from './waitExperience.js';

/** Sends a channel back to the dialplan with QUEUESTATUS (and more variables); a channel gone meanwhile is fine. */
export async function continueWithStatus(ctx: AcdContext, channelId: string, status: string, variables: Record<string, string> = {}): Promise<void> {
  try {
    for (const [name, value] of Object.entries({ QUEUESTATUS: status, ...variables })) await ctx.pbx.setVariable(channelId, name, value);
    await ctx.pbx.continueInDialplan(channelId);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) throw err;
  }
}

/** Statuses after which the queue's overflow queue takes the caller instead of the dialplan. */
const OVERFLOWS: readonly ExitStatus[] = ['TIMEOUT', 'LEAVEEMPTY'];

export interface ExitOptions {
  /** The stay (joinSeq) a timer decided for. */
  fence?: number;
  /** LEAVEEMPTY: only when the rule still holds, checked atomically. */
  onlyIfEmpty?: boolean;
}

/** Returns false when nothing happened (call gone, connected, stale fence, queue not empty). */
export async function exitQueue(ctx: AcdContext, callId: string, status: ExitStatus, opts: ExitOptions = {}): Promise<boolean> {
  const stay = await ctx.store.stayOf(callId);
  if (!stay) return false;
  const queue = OVERFLOWS.includes(status) ? await ctx.store.getQueue(stay.queue) : undefined;
  const left = await ctx.store.leaveQueue(callId, status, { ...opts, overflowTo: queue?.overflowQueue });
  if (!left.ok) return false;
  ctx.logger.info({ callId, queue: left.queue, status, state: left.state, movedTo: left.movedTo }, 'caller left the queue');
  await stopAnnouncements(ctx, callId);
  for (const channel of left.offeredChannels) await hangupQuietly(ctx, channel);
  // Freed agents take the next caller of the queue they were offered this one from.
  if (left.offeredChannels.length > 0) ctx.kick({ queue: left.queue });
  if (left.movedTo) {
    const target = await ctx.store.getQueue(left.movedTo);
    const moved = await ctx.store.stayOf(callId);
    if (target && moved) await enterWaitExperience(ctx, callId, left.callerChannel, target, moved.joinSeq);
    ctx.kick({ queue: left.movedTo });
    return true;
  }
  if (left.callerChannel) {
    await stopHoldMedia(ctx, left.callerChannel);
    await continueWithStatus(ctx, left.callerChannel, status);
  }
  return true;
}
