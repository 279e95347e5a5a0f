/** Hanging up channels and destroying bridges the way every step wants it: one already gone is no error. */
import { isPbxError } from '../pbx/port.js';
import type { AcdContext } from './context.js';

/** Hangs a channel up, ignoring that it may already be gone. */
export async function hangupQuietly(ctx: Pick<AcdContext, 'pbx' | 'logger'>, channelId: string): Promise<void> {
  if (!channelId) return;
  try {
    await ctx.pbx.hangup(channelId);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) ctx.logger.warn({ err, channelId }, 'hangup failed');
  }
}

/** Hangs up agent legs a call no longer offers (another leg answered, or the call ended). */
export async function hangupLegs(ctx: Pick<AcdContext, 'pbx' | 'logger'>, agentChannels: string[]): Promise<void> {
  await Promise.all(agentChannels.map((channel) => hangupQuietly(ctx, channel)));
}

/** Destroys a bridge, ignoring that it may already be gone. */
export async function destroyBridgeQuietly(ctx: Pick<AcdContext, 'pbx' | 'logger'>, bridgeId: string): Promise<void> {
  try {
    await ctx.pbx.destroyBridge(bridgeId);
  } catch (err) {
    if (!isPbxError(err, 'not_found')) ctx.logger.warn({ err, bridgeId }, 'bridge destroy failed');
  }
}
