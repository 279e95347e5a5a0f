/**
 * Talks Redis no longer knows: it came back empty (restarted without persistence, or a replica
 * that had not received them took over) while callers talked to agents. The PBX still has each
 * caller and its agent leg in a call bridge. Reconcile (and the periodic repair, entryRepair.ts)
 * leaves them talking instead of queueing the caller again and hanging up the agent leg (a
 * conversation cut in the middle); when one side
 * leaves Stasis, the other is hung up and the bridge destroyed. No call record is made again: its
 * statistics and wrap-up went with Redis's data.
 * A caller found alone in a call bridge talked to an agent who hung up meanwhile: that call is
 * over, and it ends as an agent's hang-up ends one (finishEndedCall), never queued a second time.
 * With Redis's data intact neither case arises: a call's record, or its ended caller's, is there.
 */
import type { BridgeInfo, ChannelInfo } from '../pbx/port.js';
import { AcdError } from '../domain/errors.js';
import { isCallBridge } from '../domain/idPrefixes.js';
import { callIdOf } from './callerEntry.js';
import { perEngine, type AcdContext } from './context.js';
import { releaseAfterAgentHangup } from './endedCallers.js';
import type { ChannelEvent } from './eventRouter.js';
import { destroyBridgeQuietly, hangupQuietly } from './legs.js';
import { argsFromAppData, parseStasisArgs } from './stasisArgs.js';

interface LostTalk {
  partner: string;
  bridgeId: string;
  agentId: string;
}

/** Both sides of each talk kept, by channel id. */
const lostTalksOf = perEngine(() => new Map<string, LostTalk>());

const roleOf = (channel: ChannelInfo) => parseStasisArgs(argsFromAppData(channel.appData));

/**
 * Routing offers the agent nothing while it is on the talk (`talk` set; it may log in again
 * meanwhile), and again once the talk ended ('' ). Best effort: a failure is logged, and the
 * next reconcile sets or clears it again.
 */
async function markAgent(ctx: AcdContext, agentId: string, talk: string): Promise<void> {
  try {
    if ((await ctx.store.setLostTalk(agentId, talk)) && talk === '') ctx.kick({ agentId });
  } catch (err) {
    if (!(err instanceof AcdError && err.code === 'agent_not_found')) ctx.logger.warn({ err, agentId }, 'cannot mark the agent of a talk Redis lost');
  }
}

const talkOf = (ctx: AcdContext, agentLeg: string) => `${ctx.nodeId}|${agentLeg}`;

/**
 * Among the channels of our app Redis does not know (`known` has the others; each is asked again
 * under its call's lock), the call bridges' parties: a caller and an agent leg are left talking, a
 * caller alone is released. Returns the channels taken care of here, for the caller (reconcile, the
 * periodic repair) to leave alone.
 */
export async function takeUpLostTalks(ctx: AcdContext, inApp: Map<string, ChannelInfo>, bridges: BridgeInfo[], known: Set<string>): Promise<Set<string>> {
  const handled = new Set<string>();
  for (const bridge of bridges.filter((b) => isCallBridge(b.id))) {
    const found = bridge.channelIds.map((id) => inApp.get(id));
    if (found.some((p) => !p || known.has(p.id))) continue;
    const parties = (found as ChannelInfo[]).map((channel) => ({ channel, entry: roleOf(channel) }));
    const callerParty = parties.find((p) => p.entry.role === 'caller');
    if (callerParty?.entry.role !== 'caller') continue;
    const caller = callerParty.channel;
    const entry = callerParty.entry;
    const agentParty = parties.length === 2 ? parties.find((p) => p.entry.role === 'agent') : undefined;
    const agent = agentParty?.entry.role === 'agent' ? { leg: agentParty.channel, id: agentParty.entry.agentId } : undefined;
    const agentLeg = agent?.leg;
    if (parties.length !== 1 && !agent) continue;
    // Under the call's lock, and asked again: `known` is older than the view (reconcile), so a
    // call that connected in between is missing from it, yet Redis knows it.
    const taken = await ctx.locks.run(callIdOf(caller.id), async () => {
      const inRedis = await Promise.all([caller, agentLeg].map((c) => (c ? ctx.store.callIdByChannel(c.id) : undefined)));
      if (inRedis.some((callId) => callId !== undefined) || (await ctx.store.endedCall(caller.id))) return false;
      if (!agent) {
        ctx.logger.warn({ channelId: caller.id, bridgeId: bridge.id }, 'caller alone in a call bridge Redis does not know (its data lost?): its agent hung up; releasing it');
        await releaseAfterAgentHangup(ctx, caller.id, entry.queue);
        return true;
      }
      ctx.logger.warn({ channelId: caller.id, agentChannel: agent.leg.id, bridgeId: bridge.id }, 'caller and agent talking in a call Redis does not know (its data lost?): left talking until one hangs up');
      const talks = lostTalksOf(ctx);
      talks.set(caller.id, { partner: agent.leg.id, bridgeId: bridge.id, agentId: agent.id });
      talks.set(agent.leg.id, { partner: caller.id, bridgeId: bridge.id, agentId: agent.id });
      await markAgent(ctx, agent.id, talkOf(ctx, agent.leg.id));
      return true;
    });
    if (taken) for (const c of [caller, agentLeg]) if (c) handled.add(c.id);
  }
  return handled;
}

/**
 * Forgets the kept talks a side of which is no longer in the app: it left while the ARI socket was
 * down (reconcile, after the reconnect, once it took up the talks still going). A side still there
 * is then one Redis does not know, alone: reconcile releases a caller alone in a call bridge and
 * hangs up an agent leg no offer has.
 */
export async function forgetGoneTalks(ctx: AcdContext, inApp: Map<string, ChannelInfo>): Promise<void> {
  const talks = lostTalksOf(ctx);
  for (const [channelId, talk] of talks) {
    if (inApp.has(channelId) && inApp.has(talk.partner)) continue;
    talks.delete(channelId);
    talks.delete(talk.partner);
  }
  // The agents' marks, this engine's or its predecessor's on this node (that one's talks ended
  // while no engine ran): those of a talk this engine does not keep now are cleared.
  const kept = new Set([...talks.keys()].map((channelId) => talkOf(ctx, channelId)));
  for (const agent of await ctx.store.listAgents()) {
    if (agent.lostTalk?.startsWith(`${ctx.nodeId}|`) && !kept.has(agent.lostTalk)) await markAgent(ctx, agent.id, '');
  }
}

/** Talks kept here, going on with no record in Redis (`acd_unrecorded_talks`). */
export function unrecordedTalkCount(ctx: AcdContext): number {
  return lostTalksOf(ctx).size / 2;
}

/** Whether the channel is a side of a talk kept here (the periodic repair leaves it alone). */
export function isLostTalkLeg(ctx: AcdContext, channelId: string): boolean {
  return lostTalksOf(ctx).has(channelId);
}

/** A kept talk's side left Stasis (the `legEvent` hook): the other side is hung up, the bridge destroyed. */
export async function onLostTalkLeg(ctx: AcdContext, event: ChannelEvent): Promise<void> {
  if (event.type !== 'channelLeftApp') return;
  const talks = lostTalksOf(ctx);
  const talk = talks.get(event.channelId);
  if (!talk) return;
  talks.delete(event.channelId);
  talks.delete(talk.partner);
  ctx.logger.info({ channelId: event.channelId, partner: talk.partner }, 'one side of a talk Redis did not know left; hanging up the other');
  await hangupQuietly(ctx, talk.partner);
  await destroyBridgeQuietly(ctx, talk.bridgeId);
  await markAgent(ctx, talk.agentId, '');
}
