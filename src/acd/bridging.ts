/**
 * Step 3: the agent answered. The store flips the call to connected first (fenced, so only one
 * handler bridges), then caller and agent go into a mixing bridge and the music stops. If we die
 * between the two, reconcile finds a connected call whose channels are not bridged and bridges them.
 */
import { isPartyGone, isPbxError } from '../pbx/port.js';
import { bridgeIdOf } from '../domain/idPrefixes.js';
import { destroyBridgeQuietly, hangupLegs, hangupQuietly } from './legs.js';
import { callerBackInQueue } from './backInQueue.js';
import { perEngine, type AcdContext } from './context.js';
import { claimedBy, notifyAll } from './hooks.js';
import { stopAnnouncements, takeDeferredHoldMedia } from './holdMedia.js';


/** A bridge made (or taken from the pool) while its agent leg rang: its id and its creation (true once it exists). */
interface Prepared {
  bridgeId: string;
  creating: Promise<boolean>;
}

/**
 * Bridges prepared while their agent leg rang, per engine, by agent leg (in memory: after a
 * restart connectCall creates the bridge, adopting one that exists). Listed before the request
 * goes out, so a leg that leaves while the bridge is still being made has it given back or
 * destroyed once made (discardPreparedBridge), never left behind; connectCall takes it out.
 */
const preparedOf = perEngine(() => new Map<string, Prepared>());

/** The bridge prepared for this leg, once it exists (undefined: none, or not made); it is no longer listed after. */
async function takePrepared(ctx: AcdContext, agentChannel: string): Promise<string | undefined> {
  const prepared = preparedOf(ctx).get(agentChannel);
  if (!prepared) return undefined;
  preparedOf(ctx).delete(agentChannel);
  return (await prepared.creating) ? prepared.bridgeId : undefined;
}

/**
 * The agent leg rings: its bridge is ready meanwhile, so the answer costs one round trip less
 * (issue 12): an idle one from the pool (no request), else made now. Best effort.
 */
export async function prepareBridge(ctx: AcdContext, callerChannel: string, agentChannel: string): Promise<void> {
  const pooled = ctx.bridges.take();
  if (pooled !== undefined) {
    preparedOf(ctx).set(agentChannel, { bridgeId: pooled, creating: Promise.resolve(true) });
    return;
  }
  const bridgeId = bridgeIdOf(agentChannel);
  const creating = ctx.pbx.createBridge({ bridgeId, name: `acd-${callerChannel}` }).then(
    () => true,
    (err: unknown) => {
      // connectCall creates it when the agent answers.
      ctx.logger.info({ err, bridgeId }, 'bridge not created ahead');
      return false;
    },
  );
  preparedOf(ctx).set(agentChannel, { bridgeId, creating });
  await creating;
}

/** The agent leg left without being bridged: the bridge prepared for it goes back to the pool, or is destroyed. */
export async function discardPreparedBridge(ctx: AcdContext, agentChannel: string): Promise<void> {
  const bridgeId = await takePrepared(ctx, agentChannel);
  if (bridgeId === undefined || ctx.bridges.giveBack(bridgeId)) return;
  await destroyBridgeQuietly(ctx, bridgeId);
}

/**
 * True once the call is connected on this leg (or a feature took it over, or the leg left before
 * the bridge and its caller waits again: nothing left to hang up); false when the offer no longer stands.
 */
export async function connectCall(ctx: AcdContext, callId: string, agentChannel: string, callerless = false): Promise<boolean> {
  // The bridge prepared while the leg rang (maybe a pooled one), else the leg's own, made now.
  const bridgeId = preparedOf(ctx).get(agentChannel)?.bridgeId ?? bridgeIdOf(agentChannel);
  // The script returns the call as connected (its caller channel): no read before the bridge.
  const connected = await ctx.store.connectOffer(callId, agentChannel, bridgeId, !callerless);
  if (connected.callerless) {
    // The caller left for a callback: a feature may take the call over (the customer is called
    // now); else it connects as it is. Asked only then, so a call with its caller costs no read.
    if (await claimedBy(ctx.hooks.legAnswered, callId, agentChannel)) return true;
    return connectCall(ctx, callId, agentChannel, true);
  }
  const { ok, released, call } = connected;
  if (!ok || !call) return false;
  // Caller experience: an announcement never delays the bridge (holdMedia.ts).
  await stopAnnouncements(ctx, callId);
  const joined = await bridgeParties(ctx, call.callerChannel, agentChannel, bridgeId);
  // ringall / ring-progressively: the other agents' legs stop ringing (their agents are ready again).
  if (released.length > 0) await hangupLegs(ctx, released);
  if (!joined) {
    await requeueIfAgentLeft(ctx, call, agentChannel, bridgeId);
    return true;
  }
  // Features that start with the conversation (a queue with `record` records from now on).
  await notifyAll(ctx.hooks.callConnected, call);
  ctx.logger.info({ callId, agentId: call.agentId, bridgeId }, 'caller and agent connected');
  return true;
}

/**
 * The agent's leg left between its answer and the bridge (under overload the bridge can come a
 * second after the answer, and a phone that hears nothing hangs up): the caller, who never spoke
 * to the agent, waits in its queue again at its old place (the agent's AgentComplete and
 * after-call work as at the end of a call it hung up) instead of being hung up with the call. The agent's StasisEnd then
 * finds the call off this leg. A caller gone too is left to its own StasisEnd.
 */
async function requeueIfAgentLeft(ctx: AcdContext, call: { id: string; queue: string; callerChannel: string; agentId?: string }, agentChannel: string, bridgeId: string): Promise<void> {
  // Still in Stasis: a caller that left (gone, or sent on in the dialplan) is its own StasisEnd's.
  if ((await ctx.pbx.getChannel(call.callerChannel))?.appName !== 'Stasis') return;
  const result = await ctx.store.transferCall({ callId: call.id, agentChannel, target: { queue: call.queue, agentLeft: true }, by: 'acd' }).catch((err: unknown) => {
    // The agent's StasisEnd ended the call first (a restart's reconcile, say): nothing to undo.
    ctx.logger.info({ err, callId: call.id }, 'caller not requeued after the agent left');
    return undefined;
  });
  if (!result) return;
  ctx.logger.warn({ callId: call.id, agentId: call.agentId, queue: result.queue }, 'the agent left before being bridged: the caller waits in the queue again');
  // Leaving (422) is not gone yet: the leg must not outlive the call it no longer belongs to.
  await hangupQuietly(ctx, agentChannel);
  await callerBackInQueue(ctx, call, bridgeId, result, false);
}

/**
 * Idempotent: an existing bridge or channels already in it are fine; a party gone is left to its
 * StasisEnd (false: not joined). A bridge found missing (a pooled one swept by a reconcile) is made again.
 */
export async function bridgeParties(ctx: AcdContext, callerChannel: string, agentChannel: string, bridgeId: string): Promise<boolean> {
  // A caller answered before its hold media started has no music to stop (holdMedia.ts).
  const musicOn = !takeDeferredHoldMedia(ctx, callerChannel);
  const stopMusic = () => (musicOn ? ctx.pbx.stopMoh(callerChannel) : undefined);
  const parties = [callerChannel, agentChannel];
  const create = () => ctx.pbx.createBridge({ bridgeId, name: `acd-${callerChannel}` });
  ctx.bridges.joiningParties(bridgeId, parties);
  try {
    // Independent requests: one round trip (bridge ready while the agent rang) or two before the parties are joined.
    if ((await takePrepared(ctx, agentChannel)) !== undefined) {
      await Promise.all([ctx.pbx.addToBridge(bridgeId, parties).catch(async (err: unknown) => {
        if (!isPbxError(err, 'not_found')) throw err;
        await create();
        await ctx.pbx.addToBridge(bridgeId, parties);
      }), stopMusic()]);
      return true;
    }
    await Promise.all([create(), stopMusic()]);
    await ctx.pbx.addToBridge(bridgeId, parties);
    return true;
  } catch (err) {
    ctx.bridges.markUsed(bridgeId);
    // A party hung up while we bridged: its StasisEnd, queued behind this step, ends the call.
    if (!isPartyGone(err)) throw err;
    ctx.logger.info({ bridgeId, callerChannel, agentChannel }, 'a party left while bridging');
    return false;
  } finally {
    ctx.bridges.joined(bridgeId);
  }
}
