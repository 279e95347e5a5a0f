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
import { failOffer, followOriginatedLeg, forgetLegsGone, legRequestPending, onAgentLegInStasis, unappliedOutcome, unfollowOriginatedLeg } from './agentLeg.js';
import { bridgeParties } from './bridging.js';
import { callIdOf, handleCallerEntry } from './callerEntry.js';
import { endCall } from './callEnd.js';
import { repairCallback } from './callback.js';
import { finishEndedCall } from './endedCallers.js';
import { finishUnfinishedEntries } from './entryRepair.js';
import { resumeHoldMedia } from './holdMedia.js';
import { destroyBridgeQuietly } from './legs.js';
import { forgetGoneTalks, takeUpLostTalks } from './lostTalks.js';
import type { AcdContext } from './context.js';
import { argsFromAppData, parseStasisArgs } from './stasisArgs.js';

interface PbxView {
  /** Channels inside our Stasis app, by id. */
  inApp: Map<string, ChannelInfo>;
  /** Every channel's id (an originated agent leg rings outside the app). */
  all: Set<string>;
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
  // The app lists every channel it is subscribed to: an originated leg still ringing (and a Local
  // leg's far half) too. In the app means in Stasis.
  const inApp = channels.filter((c) => ids.has(c.id) && c.appName === 'Stasis');
  return { inApp: new Map(inApp.map((c) => [c.id, c])), all: new Set(channels.map((c) => c.id)), bridgeOf, bridges };
}

/**
 * The offer's agent leg: as the view shows it, else as the PBX knows it now (the view is older
 * than the offer: the leg may have been made since). 'requested': this engine's create or
 * originate request is still unanswered; 'ringing': originated, not answered yet (outside the
 * app) — the live steps handle both (its StasisStart, or its ChannelDestroyed, followed from here).
 */
async function offeredLeg(ctx: AcdContext, callId: string, agentChannel: string, pbx: PbxView): Promise<ChannelInfo | 'requested' | 'ringing' | undefined> {
  const seen = pbx.inApp.get(agentChannel);
  if (seen) return seen;
  if (legRequestPending(ctx, agentChannel)) return 'requested';
  followOriginatedLeg(ctx, agentChannel, callId);
  const leg = await ctx.pbx.getChannel(agentChannel);
  if (leg && leg.appName !== 'Stasis') return 'ringing';
  unfollowOriginatedLeg(ctx, agentChannel);
  return leg;
}

/**
 * One offer's leg after a reconnect (under the call's lock). Fenced in the store by the leg: an
 * offer another step ended meanwhile (a leg of the call connected just before) changes nothing.
 */
async function repairOffer(ctx: AcdContext, callId: string, agentChannel: string, pbx: PbxView): Promise<string> {
  const leg = await offeredLeg(ctx, callId, agentChannel, pbx);
  if (leg === 'requested') return 'agent leg being requested';
  if (leg === 'ringing') return 'agent leg ringing';
  if (!leg) {
    // Its end's own step may have failed on the store (Redis refusing writes): its outcome, if known.
    await failOffer(ctx, callId, agentChannel, unappliedOutcome(ctx, agentChannel) ?? 'failed');
    return 'agent leg gone; offer failed';
  }
  // Up: answered while away, connects. Down: created (manual answer) but never dialed (we died
  // in between): held or dialed now (a leg this engine dialed is not dialed again,
  // dialAgentLeg). Ringing legs report on their own.
  if (leg.state === 'Up' || leg.state === 'Down') await onAgentLegInStasis(ctx, leg, callId);
  return leg.state === 'Up' ? 'answered while away; connected' : 'offering';
}

/**
 * `call` was read before the view of the PBX (reconcile), so a caller channel missing from the
 * view is gone; an agent leg may have been created after it (offeredLeg). Runs under the call's
 * lock: the call is read again, and one that changed since is left to the live steps.
 */
async function repairCall(ctx: AcdContext, listed: CallSnapshot, pbx: PbxView): Promise<string> {
  const call = await ctx.store.getCall(listed.id);
  if (!call) return 'ended meanwhile';
  if (call.state !== listed.state || call.agentChannel !== listed.agentChannel) return 'changed meanwhile';
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
    case 'offering': {
      // Every offer's leg (ringall rings several): each may have answered, ended or rung on meanwhile.
      const legs = (await ctx.store.callOffers(call.id)).map((o) => o.agentChannel);
      const outcomes: string[] = [];
      for (const leg of legs.length > 0 ? legs : [call.agentChannel]) outcomes.push(await repairOffer(ctx, call.id, leg, pbx));
      return outcomes.join('; ');
    }
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
  // The calls before the PBX: a call read after the view could be younger than it, its caller
  // entered since and missing from the view, and would be ended as lost.
  const calls = (await ctx.store.listCalls()).filter((c) => c.node === ctx.nodeId);
  const viewSince = Date.now();
  const pbx = await readPbx(ctx);
  forgetLegsGone(ctx, pbx.inApp, pbx.all, viewSince);
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
  // Talks whose record Redis lost: left talking (or, the agent gone, the caller released); then
  // those no longer going forgotten (their agents' marks cleared only now: no gap for a kept one).
  const lostTalks = await takeUpLostTalks(ctx, pbx.inApp, pbx.bridges, known);
  await forgetGoneTalks(ctx, pbx.inApp);
  // Channels in our app that Redis does not know: their StasisStart was missed.
  for (const channel of pbx.inApp.values()) {
    if (known.has(channel.id) || lostTalks.has(channel.id)) continue;
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
