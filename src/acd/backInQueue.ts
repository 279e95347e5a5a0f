/**
 * A connected call's caller sent back to a queue by the store (transferToQueue) without going
 * to another agent: the consulting agent hung up before the consult was answered
 * (control/consult.ts), or the agent's leg left between its answer and the bridge (bridging.ts).
 */
import { isPbxError } from '../pbx/port.js';
import type { TransferResult } from '../store/controlOps.js';
import type { AcdContext } from './context.js';
import { destroyBridgeQuietly } from './legs.js';
import { agentLeftCall } from './wrapup.js';

/**
 * The caller leaves the agent's bridge and hears its queue's music (`unmute`: it was on hold),
 * the agent's after-call work starts and the router looks at the queue. A caller gone meanwhile is
 * left to its StasisEnd, queued behind this step.
 */
export async function callerBackInQueue(ctx: AcdContext, call: { callerChannel: string; agentId?: string }, bridgeId: string, result: TransferResult, unmute: boolean): Promise<void> {
  try {
    if (unmute) await ctx.pbx.unmute(call.callerChannel, 'in');
    await destroyBridgeQuietly(ctx, bridgeId);
    await ctx.pbx.startMoh(call.callerChannel, (await ctx.store.getQueue(result.queue))?.musicClass);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) throw err;
  }
  await agentLeftCall(ctx, call.agentId, result.wrapup);
  ctx.kick({ queue: result.queue });
}
