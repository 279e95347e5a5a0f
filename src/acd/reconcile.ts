/**
 * After every (re)connect: Asterisk is the truth for channels, Redis for queue and agent state.
 * Events were missed while we were away, so compare the two and repair: no caller lost, no
 * agent stuck. Only this instance's calls are touched (another instance owns the others'
 * channels on its own Asterisk).
 */
import type { CallSnapshot } from '../domain/call.js';
import { heldCallerChannel } from '../domain/controlCall.js';
import { bridgeIdOf, isCallBridge } from '../domain/idPrefixes.js';
import type { BridgeInfo, ChannelInfo } from '../pbx/port.js';
import { failOffer, onAgentLegInStasis } from './agentLeg.js';
import { bridgeParties, connectCall } from './bridging.js';
import { callIdOf, handleCallerEntry } from './callerEntry.js';
import { endCall } from './callEnd.js';
import { repairCallback } from './callback.js';
import { finishEndedCall } from './endedCallers.js';
import { finishUnfinishedEntries } from './entryRepair.js';
import { resumeHoldMedia } from './holdMedia.js';
import { destroyBridgeQuietly } from './legs.js';
import type { AcdContext } from './context.js';
import { argsFromAppData, parseStasisArgs } from './stasisArgs.js';

interface PbxView {
  /** Channels inside our Stasis app, by id. */
  inApp: Map<string, ChannelInfo>;
  bridgeOf: Map<string, BridgeInfo>;
  bridges: BridgeInfo[];
}

async function readPbx(ctx: AcdContext): Promise<PbxView> {
  // The app's channels first: a channel listed before it entered Stasis (no Stasis app data yet)
  // would otherwise count as in the app with empty args and be sent back to the dialplan.
  const appIds = await ctx.pbx.appChannelIds();
  const [channels, bridges] = await Promise.all([ctx.pbx.listChannels(), ctx.pbx.listBridges()]);
  const ids = new Set(appIds);
  const bridgeOf = new Map<string, BridgeInfo>();
  for (const b of bridges) for (const c of b.channelIds) bridgeOf.set(c, b);
  return { inApp: new Map(channels.filter((c) => ids.has(c.id)).map((c) => [c.id, c])), bridgeOf, bridges };
}

async function repairCall(ctx: AcdContext, call: CallSnapshot, pbx: PbxView): Promise<string> {
  // A callback call keeps its place with no caller channel until the customer answers (callback.ts).
  if (call.callerChannel === '') return repairCallback(ctx, call.id, pbx.inApp);
  if (!pbx.inApp.has(call.callerChannel)) {
    await endCall(ctx, call.id, 'lost');
    return 'caller gone';
  }
  const agentLeg = call.agentChannel ? pbx.inApp.get(call.agentChannel) : undefined;
  switch (call.state) {
    case 'waiting':
      await resumeHoldMedia(ctx, call.callerChannel, await ctx.store.getQueue(call.queue));
      ctx.kick({ queue: call.queue });
      return 'waiting';
    case 'offering':
      if (!agentLeg) {
        await failOffer(ctx, call.id, call.agentChannel, 'failed');
        return 'agent leg gone; requeued';
      }
      if (agentLeg.state === 'Up') {
        await connectCall(ctx, call.id, agentLeg.id);
        return 'answered while away; connected';
      }
      // Created but never dialed (we died in between): dial now. Ringing legs report on their own.
      if (agentLeg.state === 'Down') await onAgentLegInStasis(ctx, agentLeg, call.id);
      return 'offering';
    case 'connected':
      if (!agentLeg) {
        await endCall(ctx, call.id, 'agent');
        return 'agent gone; ended';
      }
      if (pbx.bridgeOf.get(call.callerChannel)?.id !== call.bridgeId || pbx.bridgeOf.get(agentLeg.id)?.id !== call.bridgeId) {
        await bridgeParties(ctx, call.callerChannel, agentLeg.id, call.bridgeId);
        return 'rebridged';
      }
      return 'connected';
  }
}

/**
 * Empty call bridges (`bridge-acd-agent-…`) no call of any node uses: made while an agent rang by
 * an engine that died before the offer ended. A bridge still wanted is made again when its call
 * connects (bridgeParties), so sweeping one too many costs a request, never a call.
 */
async function sweepOrphanedCallBridges(ctx: AcdContext, bridges: BridgeInfo[]): Promise<void> {
  const empty = bridges.filter((b) => b.channelIds.length === 0 && isCallBridge(b.id));
  if (empty.length === 0) return;
  const inUse = new Set<string>();
  for (const call of await ctx.store.listCalls()) {
    if (call.bridgeId) inUse.add(call.bridgeId);
    if (call.agentChannel) inUse.add(bridgeIdOf(call.agentChannel));
    for (const offer of await ctx.store.callOffers(call.id)) inUse.add(bridgeIdOf(offer.agentChannel));
  }
  for (const bridge of empty.filter((b) => !inUse.has(b.id))) {
    ctx.logger.info({ bridgeId: bridge.id }, 'empty call bridge no call uses; destroying it');
    // The pool may have destroyed it already on this reconnect (an ended call's bridge, clearIdle): gone is no error.
    await destroyBridgeQuietly(ctx, bridge.id);
  }
}

export async function reconcile(ctx: AcdContext): Promise<void> {
  ctx.bridges.clearIdle();
  const pbx = await readPbx(ctx);
  const calls = (await ctx.store.listCalls()).filter((c) => c.node === ctx.nodeId);
  const known = new Set<string>();
  // Callers that call control took out of the queues (redirect to an extension) are its own.
  for (const r of await ctx.store.listControlCalls()) {
    const caller = heldCallerChannel(r);
    if (caller) known.add(caller);
  }
  for (const call of calls) {
    known.add(call.callerChannel);
    if (call.agentChannel) known.add(call.agentChannel);
    for (const offer of await ctx.store.callOffers(call.id)) known.add(offer.agentChannel); // ringall: every offered leg
    const outcome = await ctx.locks.run(call.id, () => repairCall(ctx, call, pbx));
    ctx.logger.info({ callId: call.id, state: call.state, outcome }, 'reconciled call');
  }
  // Channels in our app that Redis does not know: their StasisStart was missed.
  for (const channel of pbx.inApp.values()) {
    if (known.has(channel.id)) continue;
    const args = argsFromAppData(channel.appData);
    const entry = parseStasisArgs(args);
    if (entry.role === 'agent') {
      await ctx.locks.run(entry.callId, () => onAgentLegInStasis(ctx, channel, entry.callId));
    } else if (entry.role === 'other') {
      // Call-control legs (snoop, consult...): their own modules repair them on `connected`.
      continue;
    } else {
      await ctx.locks.run(callIdOf(channel.id), async () => {
        // Under the call's lock, as the view above is older: its StasisStart may have been handled
        // meanwhile, and the call may even have ended or left the queue since (withdraw...).
        if ((await ctx.store.callIdByChannel(channel.id)) !== undefined) return;
        if (await finishEndedCall(ctx, channel.id)) return;
        ctx.logger.info({ channelId: channel.id }, 'caller entered while we were away; queueing');
        await handleCallerEntry(ctx, channel, args);
      });
    }
  }
  // Entries a fault interrupted (this engine's or a predecessor's on this node): before routing opens.
  await finishUnfinishedEntries(ctx, pbx.inApp);
  await sweepOrphanedCallBridges(ctx, pbx.bridges);
  for (const q of await ctx.store.listQueues()) ctx.kick({ queue: q.id });
}
