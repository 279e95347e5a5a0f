/**
 * The light, periodic reconcile: finishes caller entries a PBX fault interrupted without waiting
 * for a reconnect (the full reconcile, src/acd/reconcile.ts, runs only then). Cheap: one list of
 * the app's channels, the entries this node recorded, and a look-up per app channel.
 * A caller is entered again when its entry is unfinished, or when it sits in our app unknown to
 * Redis on two passes in a row (once could be a StasisStart still on its way to us); one whose call
 * ended or who left its queue, still there on two passes, is released again instead; an agent
 * leg no offer has, on two passes, is hung up (as reconcile does); a caller and an agent leg
 * talking in a call bridge Redis does not know are left talking, a caller alone in one released
 * (lostTalks.ts). The other way
 * round, a call of this node whose caller is not in our app on two passes in a row missed the
 * caller's StasisEnd (or had it handled before the call existed): it ends as lost, as reconcile
 * would end it, instead of heading its queue for ever.
 */
import type { CallSnapshot } from '../domain/call.js';
import { controlCallChannels } from '../domain/controlCall.js';
import type { ChannelInfo } from '../pbx/port.js';
import { onAgentLegInStasis } from './agentLeg.js';
import { callIdOf, handleCallerEntry } from './callerEntry.js';
import { endCall } from './callEnd.js';
import type { AcdContext } from './context.js';
import { finishEndedCall } from './endedCallers.js';
import { isLostTalkLeg, takeUpLostTalks } from './lostTalks.js';
import { argsFromAppData, parseStasisArgs } from './stasisArgs.js';

export interface EntryRepair {
  run(): Promise<void>;
}

async function appChannels(ctx: AcdContext): Promise<Map<string, ChannelInfo>> {
  // The app's ids first, as reconcile.ts: a channel not yet in Stasis has no app data.
  const ids = new Set(await ctx.pbx.appChannelIds());
  return new Map((await ctx.pbx.listChannels()).filter((c) => ids.has(c.id)).map((c) => [c.id, c]));
}

/** Whether Redis knows the channel as a call's caller or agent leg or a control call's leg. */
async function known(ctx: AcdContext, channelId: string, controlLegs: Set<string>): Promise<boolean> {
  return controlLegs.has(channelId) || (await ctx.store.callIdByChannel(channelId)) !== undefined;
}

/**
 * A channel missing from a view of the app taken before its entry was read may have entered
 * since (its entry then interrupted by a PBX fault): only the PBX asked now says it left.
 */
async function inAppNow(ctx: AcdContext, channelId: string): Promise<ChannelInfo | undefined> {
  if (!(await ctx.pbx.appChannelIds()).includes(channelId)) return undefined;
  return ctx.pbx.getChannel(channelId);
}

/** Finishes this node's recorded, unfinished caller entries; `inApp`: the app's channels by id. */
export async function finishUnfinishedEntries(ctx: AcdContext, inApp: Map<string, ChannelInfo>): Promise<string[]> {
  const entries = await ctx.store.unfinishedEntries(ctx.nodeId);
  for (const channelId of entries) {
    await ctx.locks.run(callIdOf(channelId), async () => {
      if (!(await ctx.store.unfinishedEntries(ctx.nodeId)).includes(channelId)) return; // finished meanwhile
      const channel = inApp.get(channelId) ?? (await inAppNow(ctx, channelId));
      if (channel) {
        ctx.logger.info({ channelId }, 'finishing an interrupted caller entry');
        return handleCallerEntry(ctx, channel, argsFromAppData(channel.appData));
      }
      // The caller left before its entry finished; its StasisEnd may have come before the call existed.
      if (await ctx.store.getCall(callIdOf(channelId))) await endCall(ctx, callIdOf(channelId), 'lost');
      await ctx.store.finishEntry(ctx.nodeId, channelId);
    });
  }
  return entries;
}

/** Ends this node's calls whose caller left our app; `goneBefore`: the calls seen so on the pass before. Returns those seen now. */
async function endCallsOfGoneCallers(ctx: AcdContext, inApp: Map<string, ChannelInfo>, goneBefore: Set<string>): Promise<Set<string>> {
  const goneNow = new Set<string>();
  const suspects: CallSnapshot[] = [];
  // A callback's call has no caller channel until the customer answers (callback.ts).
  for (const call of await ctx.store.listCalls()) {
    if (call.node !== ctx.nodeId || call.callerChannel === '' || inApp.has(call.callerChannel)) continue;
    if (goneBefore.has(call.id)) suspects.push(call);
    else goneNow.add(call.id);
  }
  if (suspects.length === 0) return goneNow;
  // The view is a pass old: only the PBX asked now says the caller left.
  const inAppIds = new Set(await ctx.pbx.appChannelIds());
  for (const call of suspects) {
    await ctx.locks.run(call.id, async () => {
      const current = await ctx.store.getCall(call.id);
      if (current?.callerChannel !== call.callerChannel || inAppIds.has(call.callerChannel)) return;
      ctx.logger.warn({ callId: call.id, state: current.state }, 'call whose caller left our app unnoticed; ending it as lost');
      await endCall(ctx, call.id, 'lost');
    });
  }
  return goneNow;
}

export function createEntryRepair(ctx: AcdContext): EntryRepair {
  let unknownBefore = new Set<string>();
  let goneBefore = new Set<string>();

  return {
    async run() {
      const inApp = await appChannels(ctx);
      const entries = await finishUnfinishedEntries(ctx, inApp);
      // Every leg of a control call (a redirected, parked or transferred caller...) is its module's own.
      const controlLegs = new Set((await ctx.store.listControlCalls()).flatMap(controlCallChannels));
      const unknownNow = new Set<string>();
      const unknownTwice: ChannelInfo[] = [];
      for (const channel of inApp.values()) {
        if (entries.includes(channel.id) || isLostTalkLeg(ctx, channel.id) || (await known(ctx, channel.id, controlLegs))) continue;
        if (unknownBefore.has(channel.id)) unknownTwice.push(channel);
        else unknownNow.add(channel.id);
      }
      // Talks whose record Redis lost (a replica that lagged took over): left talking, as reconcile
      // does, and a caller whose agent of such a talk hung up is released, not queued again. Only
      // for an unknown caller are the bridges listed.
      const twice = new Set(unknownTwice.map((c) => c.id));
      const unknown = unknownTwice.map((channel) => {
        const args = argsFromAppData(channel.appData);
        return { channel, args, entry: parseStasisArgs(args) };
      });
      const callerUnknown = unknown.some((u) => u.entry.role === 'caller');
      const bridges = callerUnknown ? (await ctx.pbx.listBridges()).filter((b) => b.channelIds.some((id) => twice.has(id))) : [];
      const lostTalks = bridges.length > 0 ? await takeUpLostTalks(ctx, inApp, bridges, new Set()) : new Set<string>();
      for (const { channel, args, entry } of unknown.filter((u) => !lostTalks.has(u.channel.id))) {
        if (entry.role === 'agent') {
          // A leg no offer has, e.g. made by a create that failed here at its deadline but that
          // Asterisk carried out, whose hang-up failed too (ARI answering in seconds at 200 calls/s).
          // The step reconcile runs for it.
          await ctx.locks.run(entry.callId, async () => {
            if (!(await known(ctx, channel.id, controlLegs))) await onAgentLegInStasis(ctx, channel, entry.callId);
          });
          continue;
        }
        await ctx.locks.run(callIdOf(channel.id), async () => {
          if (await known(ctx, channel.id, controlLegs)) return;
          // Its call ended or it left the queue, and its release failed: finish that, not a new entry.
          if (await finishEndedCall(ctx, channel.id)) return;
          ctx.logger.info({ channelId: channel.id }, 'caller in our app unknown to Redis; entering it');
          await handleCallerEntry(ctx, channel, args);
        });
      }
      unknownBefore = unknownNow;
      goneBefore = await endCallsOfGoneCallers(ctx, inApp, goneBefore);
    },
  };
}
