/**
 * The caller-experience side of PBX events, next to the dispatcher's call journey: DTMF from
 * waiting callers, our announcements finishing, and the callback customer legs (Stasis role
 * 'callback', which the dispatcher leaves to us). Returns the unsubscribe function.
 */
import type { PbxEvent } from '../pbx/port.js';
import { isCallbackLeg } from '../domain/idPrefixes.js';
import { CALLBACK_ROLE, onCallbackDialProgress, onCallbackLegGone, onCallbackLegInStasis } from './callback.js';
import { onCallerDtmf } from './callerKeys.js';
import type { AcdContext } from './context.js';
import { forgetChannel, onPlaybackFinished } from './holdMedia.js';
import { parseStasisArgs } from './stasisArgs.js';

export function watchCallerExperience(ctx: AcdContext): () => void {
  /** Customer leg → call id (learnt at StasisStart; after a restart the channel index answers). */
  const callbackLegs = new Map<string, string>();
  const callOfLeg = async (channelId: string) =>
    callbackLegs.get(channelId) ?? (isCallbackLeg(channelId) ? await ctx.store.callIdByChannel(channelId) : undefined);

  const handle = async (event: PbxEvent): Promise<void> => {
    switch (event.type) {
      case 'channelEnteredApp': {
        const entry = parseStasisArgs(event.args);
        const callId = entry.role === 'other' && entry.name === CALLBACK_ROLE ? entry.args[0] : undefined;
        if (!callId) return;
        callbackLegs.set(event.channel.id, callId);
        return ctx.locks.run(callId, () => onCallbackLegInStasis(ctx, event.channel, callId));
      }
      case 'dialProgress': {
        const callId = await callOfLeg(event.peerChannelId);
        if (callId) await ctx.locks.run(callId, () => onCallbackDialProgress(ctx, callId, event.peerChannelId, event.status));
        return;
      }
      case 'channelLeftApp': {
        forgetChannel(ctx, event.channelId);
        const callId = await callOfLeg(event.channelId);
        if (!callId) return;
        callbackLegs.delete(event.channelId);
        return ctx.locks.run(callId, () => onCallbackLegGone(ctx, callId, event.channelId));
      }
      case 'dtmfReceived':
        return onCallerDtmf(ctx, event.channelId, event.digit);
      case 'playbackFinished':
        return onPlaybackFinished(ctx, event.playbackId);
      default:
        return;
    }
  };
  return ctx.pbx.onEvent((event) => {
    handle(event).catch((err) => ctx.logger.error({ err, event: event.type }, 'caller experience event failed'));
  });
}
