/**
 * Last step: one side hung up (or vanished while we were away). The store ends the call and
 * records abandon / complete; we hang up whatever is left, tear down the bridge, and start the
 * agent's wrap-up timer (or let the router offer the agent the next call at once).
 */
import { isPartyGone, isPbxError } from '../pbx/port.js';
import { retrieveCaller } from './control/media.js';
import { noteRecordingStopped } from './control/recording.js';
import { destroyBridgeQuietly, hangupLegs, hangupQuietly } from './legs.js';
import { perEngine, type AcdContext } from './context.js';
import { continueWithStatus } from './queueExit.js';
import { agentLeftCall } from './wrapup.js';

/**
 * Callers this engine hangs up after the store ended their call: their StasisEnd has nothing to
 * look up (one Redis round trip less per call, issue 12). Listed before the hangup goes out (its
 * StasisEnd may arrive before the hangup's answer), taken out by that StasisEnd, or at once when
 * the hangup did not reach the channel.
 */
const releasingOf = perEngine(() => new Set<string>());
/** Bounds what lost StasisEnds (a WebSocket dropped meanwhile) could leave listed. */
const MAX_RELEASING = 10_000;

/** Whether this StasisEnd is of a caller whose call this engine ended and hung up; forgets it. */
export function callerReleasedByUs(ctx: AcdContext, channelId: string): boolean {
  return releasingOf(ctx).delete(channelId);
}

async function hangupEndedCaller(ctx: AcdContext, channelId: string): Promise<void> {
  const listed = releasingOf(ctx);
  if (listed.size >= MAX_RELEASING) listed.clear();
  listed.add(channelId);
  try {
    await ctx.pbx.hangup(channelId);
  } catch (err) {
    listed.delete(channelId);
    if (!isPbxError(err, 'not_found')) ctx.logger.warn({ err, channelId }, 'hangup failed');
  }
}

/** `keep`: the bridge may go back to the pool (bridgePool.ts) instead, when nothing but the call used it. */
async function destroyBridge(ctx: AcdContext, bridgeId: string, control: Record<string, string>, keep = false): Promise<void> {
  if (keep && ctx.bridges.keepEnded(bridgeId)) return;
  // Stopped while its bridge exists: RecordingFinished (the duration) reaches us only through
  // the bridge's subscription, which destroying the bridge first races with.
  if (control.recording) {
    await ctx.pbx.stopRecording(control.recording).catch(() => undefined);
    await noteRecordingStopped(ctx, control.recording, control).catch((err: unknown) => ctx.logger.warn({ err, recording: control.recording }, 'recording duration not noted'));
  }
  await destroyBridgeQuietly(ctx, bridgeId);
}

/**
 * `agentChannel`: end the call only while it is connected on that agent leg (store-fenced).
 * False when there was nothing to end (the call is gone, or the fence did not match).
 */
export async function endCall(ctx: AcdContext, callId: string, endedBy: 'caller' | 'agent' | 'lost', agentChannel?: string): Promise<boolean> {
  const ended = await ctx.store.endCall(callId, endedBy, agentChannel);
  if (!ended) return false;
  // ringall: legs besides call.agentChannel; the recording went with the call's control state.
  const { call, control } = ended;
  ctx.logger.info({ callId, queue: call.queue, state: ended.state, endedBy, agentId: call.agentId || undefined }, 'call ended');
  // The store has freed the agent already (or put it in wrap-up): its next caller is offered, or
  // its wrap-up timer set, while the PBX cleans up (issue 14). No caller waiting for it: no routing.
  const agentLeft = agentLeftCall(ctx, ended.nextCallerWaits ? call.agentId : undefined, ended.wrapup);
  agentLeft.catch(() => undefined); // its failure is thrown below, after the cleanup
  if (endedBy !== 'agent') await hangupQuietly(ctx, call.agentChannel);
  await hangupLegs(ctx, ended.releasedLegs);
  // What happens to the caller when the agent hangs up: hung up, or on in the dialplan (CONTINUE).
  const continues = endedBy === 'agent' && ended.state === 'connected' && (await ctx.store.getQueue(call.queue))?.continueOnAgentHangup === true;
  if (continues) {
    // The bridge goes before the caller is released: a caller sent on in the dialplan must leave it.
    if (call.bridgeId) await destroyBridge(ctx, call.bridgeId, control);
    // Asterisk keeps a channel's ARI music and mute after it leaves Stasis: a caller on hold would
    // take both into the dialplan (a survey nobody hears, a voicemail recording silence).
    if (control.held === '1') await retrieveCaller(ctx, call.callerChannel).catch((err: unknown) => {
      if (!isPartyGone(err)) throw err;
    });
    await continueWithStatus(ctx, call.callerChannel, 'CONTINUE');
  } else {
    // A caller being hung up needs no wait for the bridge (issue 14: caller hung up right after the agent).
    await Promise.all([call.bridgeId ? destroyBridge(ctx, call.bridgeId, control, true) : undefined, endedBy !== 'caller' && call.callerChannel ? hangupEndedCaller(ctx, call.callerChannel) : undefined]);
  }
  await agentLeft;
  return true;
}
