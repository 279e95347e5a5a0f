/**
 * Turns PBX events into steps of a call's journey. It only finds out which call and which role
 * (caller or agent leg) a channel has, then runs the step under that call's lock. State lives in
 * Redis; the one in-memory map (agent leg → call) is a shortcut the store can always answer too.
 */
import type { PbxEvent } from '../pbx/port.js';
import { onAgentDialProgress, onAgentLegGone, onAgentLegInStasis } from './agentLeg.js';
import { callIdOf, handleCallerEntry } from './callerEntry.js';
import { endCall } from './callEnd.js';
import type { AcdContext } from './context.js';
import { HangupCauses } from './hangupCauses.js';
import { parseStasisArgs } from './stasisArgs.js';

export class Dispatcher {
  private readonly legs = new Map<string, string>();
  private readonly causes = new HangupCauses();

  constructor(
    private readonly ctx: AcdContext,
    private readonly onConnected: () => void,
  ) {}

  private readonly inFlight = new Set<Promise<void>>();

  handle(event: PbxEvent): void {
    const task = this.dispatch(event).catch((err) => this.ctx.logger.error({ err, event: event.type }, 'event handling failed'));
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** Events still being handled (before or under their call's lock). */
  get pending(): number {
    return this.inFlight.size;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async dispatch(event: PbxEvent): Promise<void> {
    const { ctx } = this;
    switch (event.type) {
      case 'channelEnteredApp': {
        const entry = parseStasisArgs(event.args);
        if (entry.role === 'agent') {
          this.legs.set(event.channel.id, entry.callId);
          return ctx.locks.run(entry.callId, () => onAgentLegInStasis(ctx, event.channel, entry.callId));
        }
        if (entry.role === 'other') return; // handled by the module that created the channel
        return ctx.locks.run(callIdOf(event.channel.id), () => handleCallerEntry(ctx, event.channel, event.args));
      }
      case 'channelLeftApp':
        return this.channelGone(event.channelId);
      case 'channelHangupRequested':
        if (this.legs.has(event.channelId)) this.causes.noteRequested(event.channelId, event.cause);
        return;
      case 'channelDestroyed':
        if (this.legs.has(event.channelId)) this.causes.noteDestroyed(event.channelId, event.cause);
        return;
      case 'dialProgress': {
        const callId = await this.callOf(event.peerChannelId);
        if (callId) await ctx.locks.run(callId, () => onAgentDialProgress(ctx, callId, event.peerChannelId, event.status));
        return;
      }
      case 'connected':
        ctx.logger.info({ reconnect: event.reconnect }, 'PBX connected; reconciling');
        return this.onConnected();
      case 'disconnected':
        ctx.logger.warn({ reason: event.reason }, 'PBX connection lost; channels stay in Stasis until we are back');
        return;
      default:
        return;
    }
  }

  private async callOf(channelId: string): Promise<string | undefined> {
    // The store first: completing a consult to a queue hands an agent leg over to another call.
    return (await this.ctx.store.callIdByChannel(channelId)) ?? this.legs.get(channelId);
  }

  private async channelGone(channelId: string): Promise<void> {
    const { ctx } = this;
    const callId = await this.callOf(channelId);
    if (!callId) return;
    if (callId === callIdOf(channelId)) return ctx.locks.run(callId, () => endCall(ctx, callId, 'caller'));
    // An agent leg: its hangup cause usually arrives just after StasisEnd. Only an offer's outcome
    // needs it; the agent hanging up a connected call ends it without waiting for the cause (issue 14).
    const call = await ctx.store.getCall(callId);
    const talking = call?.state === 'connected' && call.agentChannel === channelId;
    const cause = talking ? undefined : await this.causes.settle(channelId, ctx.settings.causeGraceMs);
    if (talking) this.causes.forget(channelId);
    this.legs.delete(channelId);
    await ctx.locks.run(callId, () => onAgentLegGone(ctx, callId, channelId, cause));
  }
}
