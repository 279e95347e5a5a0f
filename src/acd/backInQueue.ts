/**
 * A connected call's caller sent back to a queue by the store (transferToQueue) without going
 * to another agent: a blind transfer to a queue (control/transfer.ts), the consulting agent hung
 * up before the consult was answered (control/consult.ts), or the agent's leg left between its
 * answer and the bridge (bridging.ts). A blind transfer to an agent waits the same way while that
 * agent's leg rings.
 */
import { isPbxError } from '../pbx/port.js';
import type { TransferResult } from '../store/controlOps.js';
import type { QueueDef } from '../domain/queue.js';
import type { AcdContext } from './context.js';
import { destroyBridgeQuietly } from './legs.js';
import { enterWaitExperience } from './waitExperience.js';
import { agentLeftCall } from './wrapup.js';

/**
 * The caller leaves the agent's bridge (`unmute`: it was on hold) and waits in `queue` as a caller
 * who joined it does: its hold media (music, or ringing; deferred when `offered`, as at a join
 * that offered it at once) and its stay's timers (max wait, leave-when-empty, announcements). A
 * caller gone meanwhile is left to its StasisEnd, queued behind this step. Returns the queue read
 * for it (undefined: deleted meanwhile), for the caller's next steps.
 */
export async function callerWaitsAgain(ctx: AcdContext, call: { id: string; callerChannel: string }, bridgeId: string, queueName: string, opts: { unmute: boolean; offered: boolean }): Promise<QueueDef | undefined> {
  const [queue, stay] = await Promise.all([ctx.store.getQueue(queueName), ctx.store.stayOf(call.id)]);
  try {
    if (opts.unmute) await ctx.pbx.unmute(call.callerChannel, 'in');
    await destroyBridgeQuietly(ctx, bridgeId);
    if (queue && stay) await enterWaitExperience(ctx, call.id, call.callerChannel, queue, stay.joinSeq, opts.offered);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) throw err;
  }
  return queue;
}

/** The caller waits in the queue again; the agent's after-call work starts and the router looks at the queue. */
export async function callerBackInQueue(ctx: AcdContext, call: { id: string; callerChannel: string; agentId?: string }, bridgeId: string, result: TransferResult, unmute: boolean): Promise<void> {
  await callerWaitsAgain(ctx, call, bridgeId, result.queue, { unmute, offered: false });
  await agentLeftCall(ctx, call.agentId, result.wrapup);
  ctx.kick({ queue: result.queue });
}
