/**
 * Blind transfer of a connected queue call to a queue (the caller waits there again with its
 * priority), to a ready agent (the caller is offered to that agent; if the offer fails the
 * caller waits in its queue like any caller whose offer failed), or to an extension (redirect.ts). The store does the state change
 * in one step; then the old agent leg goes, the caller hears music (to a queue or an agent: that
 * queue's hold media and timers, backInQueue.ts), and the queue flow takes over.
 */
import { randomUUID } from 'node:crypto';
import { isPbxError } from '../../pbx/port.js';
import { offerToAgent } from '../agentLeg.js';
import { hangupQuietly } from '../legs.js';
import type { AcdContext } from '../context.js';
import type { QueueDef } from '../../domain/queue.js';
import { newAgentChannelId } from '../router.js';
import { withAgentCall, type CallTarget } from './calls.js';
import { checkDestination } from './outbound.js';
import type { Redirects } from './redirect.js';
import { agentLeftCall } from '../wrapup.js';
import { callerBackInQueue, callerWaitsAgain } from '../backInQueue.js';
import { redirectLegId, redirectRecordId } from '../../domain/idPrefixes.js';

export type TransferTarget = { queue: string } | { agentId: string } | { extension: string };

export async function blindTransfer(ctx: AcdContext, t: CallTarget, target: TransferTarget, redirects: Redirects): Promise<void> {
  if ('extension' in target) checkDestination(target.extension);
  let redirectId = '';
  await withAgentCall(ctx, t, ['connected'], 'transfer', async (call, control) => {
    const newLeg = 'agentId' in target ? newAgentChannelId() : 'extension' in target ? redirectLegId(randomUUID()) : '';
    const result = await ctx.store.transferCall({
      callId: call.id,
      agentChannel: call.agentChannel,
      target:
        'agentId' in target
          ? { agentId: target.agentId, agentChannel: newLeg }
          : 'extension' in target
            ? { destination: target.extension, destChannel: newLeg, node: ctx.nodeId }
            : target,
      by: t.by,
    });
    ctx.logger.info({ callId: call.id, from: t.agentId, target, by: t.by }, 'call transferred');
    if ('queue' in target) {
      await callerBackInQueue(ctx, call, call.bridgeId, result, control.held === '1');
      await hangupQuietly(ctx, call.agentChannel);
      return;
    }
    // Offered to an agent: it waits in its queue meanwhile (hold media, max wait, announcements), so
    // an offer that fails leaves it waiting as any caller. To an extension: music until redirected.
    let queue: QueueDef | undefined;
    if ('agentId' in target) queue = await callerWaitsAgain(ctx, call, call.bridgeId, result.queue, { unmute: control.held === '1', offered: true });
    else await musicUntilRedirected(ctx, call, result.queue, control.held === '1');
    await hangupQuietly(ctx, call.agentChannel);
    await agentLeftCall(ctx, t.agentId, result.wrapup);
    if ('agentId' in target) {
      await offerToAgent(ctx, {
        callId: call.id,
        queue: result.queue,
        callerChannel: call.callerChannel,
        callerNumber: call.callerNumber,
        callerName: call.callerName,
        agentId: target.agentId,
        endpoint: result.targetEndpoint,
        agentChannel: newLeg,
        ringTimeoutS: queue?.ringTimeoutS ?? 15,
        // A manual-answer agent's leg waits in Stasis for the desktop's answer (control/answer.ts).
        ...((await ctx.store.answersManually(target.agentId)) ? { manualAnswer: true } : {}),
      }, true);
    } else {
      redirectId = redirectRecordId(call.id);
    }
  });
  // Outside the queue call's lock: the redirect has its own.
  if (redirectId) await redirects.start(redirectId);
}

async function musicUntilRedirected(ctx: AcdContext, call: { callerChannel: string; bridgeId: string }, queueName: string, unmute: boolean): Promise<void> {
  try {
    if (unmute) await ctx.pbx.unmute(call.callerChannel, 'in');
    await ctx.pbx.destroyBridge(call.bridgeId);
    await ctx.pbx.startMoh(call.callerChannel, (await ctx.store.getQueue(queueName))?.musicClass);
  } catch (err) {
    // The caller left meanwhile: its StasisEnd, queued behind this step, ends the call.
    if (!isPbxError(err, 'not_found')) throw err;
  }
}
