/**
 * Callers still in our app after their call ended or they left the queue alive: the store ended
 * the call (or the stay) but the engine died, or a PBX request failed, before the caller was
 * released. The reconcile and the periodic entry repair finish the release; never a new entry.
 */
import type { AcdContext } from './context.js';
import { hangupQuietly } from './legs.js';
import { continueWithStatus } from './queueExit.js';
import { stopHoldMedia } from './holdMedia.js';
import { isPbxError } from '../pbx/port.js';

/**
 * A caller whose call ended, or who left its queue alive, before we could release it (killed or a
 * PBX fault in between): released now, never queued again.
 */
export async function finishEndedCall(ctx: AcdContext, callerChannel: string): Promise<boolean> {
  const ended = await ctx.store.endedCall(callerChannel);
  if (!ended) return false;
  ctx.logger.info({ callId: callerChannel, endedBy: ended.endedBy }, 'caller of an ended call still in Stasis; releasing it');
  if (ended.endedBy === 'left') {
    await leaveHold(ctx, callerChannel);
    // Sent on already (the view we acted on was older): it is no longer in Stasis, nothing to do.
    await continueWithStatus(ctx, callerChannel, ended.status).catch((err: unknown) => {
      if (!isPbxError(err, 'not_in_stasis') && !isPbxError(err, 'conflict')) throw err;
    });
  } else if (ended.endedBy === 'agent') await releaseAfterAgentHangup(ctx, callerChannel, ended.queue);
  else await hangupQuietly(ctx, callerChannel);
  return true;
}

/** A caller whose agent hung up: on in the dialplan when its queue says so (continueOnAgentHangup), else hung up. */
export async function releaseAfterAgentHangup(ctx: AcdContext, callerChannel: string, queue: string): Promise<void> {
  if ((await ctx.store.getQueue(queue))?.continueOnAgentHangup) {
    await leaveHold(ctx, callerChannel);
    await continueWithStatus(ctx, callerChannel, 'CONTINUE');
  } else await hangupQuietly(ctx, callerChannel);
}

/**
 * What the caller may still have from its stay or its call (the engine stopped in between): its
 * hold media, or the mute of an agent's hold. Asterisk keeps both when a channel leaves Stasis.
 */
async function leaveHold(ctx: AcdContext, callerChannel: string): Promise<void> {
  await stopHoldMedia(ctx, callerChannel);
  await ctx.pbx.unmute(callerChannel, 'in').catch((err: unknown) => {
    if (!isPbxError(err)) throw err;
  });
}
