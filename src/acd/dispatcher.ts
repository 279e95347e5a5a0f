/**
 * The queue flow's handlers of the event router (src/acd/eventRouter.ts): events of caller legs,
 * agent legs and callback customer legs become steps of a call's journey. It only finds out which call a channel
 * belongs to, then runs the step under that call's lock. State lives in Redis; the one in-memory
 * map (agent leg → call) is a shortcut the store can always answer too.
 * Control calls that follow a queue leg (a supervisor on the agent leg, a parked or consulting
 * caller...) hear its events through the `legEvent` hook, which runs first, as the event arrives.
 */
import type { ChannelInfo } from '../pbx/port.js';
import { forgetAgentLeg, noteOriginatedDial, onAgentDialProgress, onAgentLegEntered, onAgentLegGone, onOriginatedLegDestroyed, onTalkingLegGone, outcomeOfCause } from './agentLeg.js';
import { CALLBACK_ROLE, onCallbackDialProgress, onCallbackLegGone, onCallbackLegInStasis } from './callback.js';
import { onCallerDtmf } from './callerKeys.js';
import { callIdOf, handleCallerEntry } from './callerEntry.js';
import { callerReleasedByUs, endCall } from './callEnd.js';
import type { AcdContext } from './context.js';
import type { ChannelEvent } from './eventRouter.js';
import { HangupCauses } from './hangupCauses.js';
import { forgetChannel } from './holdMedia.js';
import { parseStasisArgs } from './stasisArgs.js';

export class QueueLegs {
  /** Agent and callback legs → their call (learnt at StasisStart; after a restart the store's channel index answers). */
  private readonly legs = new Map<string, string>();
  private readonly causes = new HangupCauses();
  /** Agent legs whose answer this engine heard (Up at StasisStart, or Dial ANSWER): their leaving most likely ends a talk. */
  private readonly answered = new Set<string>();
  /** Agent legs whose StasisStart step runs (it waits for the leg's originate step first): their later events wait for it. */
  private readonly entering = new Map<string, Promise<void>>();

  constructor(private readonly ctx: AcdContext) {}

  /** A caller's channel: its entry, its keys while it waits, its leaving. */
  callerLeg(event: ChannelEvent): Promise<void> {
    const { ctx } = this;
    return this.withWatchers(event, () => {
      switch (event.type) {
        case 'channelEnteredApp':
          return ctx.locks.run(callIdOf(event.channel.id), () => handleCallerEntry(ctx, event.channel, event.args));
        case 'channelLeftApp':
          forgetChannel(ctx, event.channelId);
          ctx.bridges.partyLeft(event.channelId);
          // Its call is over already: this engine ended it and hung the caller up.
          if (callerReleasedByUs(ctx, event.channelId)) return;
          return this.channelGone(event.channelId);
        case 'dtmfReceived':
          return onCallerDtmf(ctx, event.channelId, event.digit);
        default:
          return undefined;
      }
    });
  }

  /**
   * An agent leg: in Stasis, its dial's progress, its hangup cause, its leaving. An originated leg
   * (agentLeg.ts) reports its dial and, unanswered, its end before it is ever in Stasis.
   */
  agentLeg(event: ChannelEvent): Promise<void> {
    const { ctx } = this;
    return this.withWatchers(event, async () => {
      switch (event.type) {
        case 'channelEnteredApp': {
          const entry = parseStasisArgs(event.args);
          if (entry.role !== 'agent') return;
          return this.agentEntered(event.channel, entry.callId);
        }
        case 'channelLeftApp':
          ctx.bridges.partyLeft(event.channelId);
          await this.entering.get(event.channelId);
          return this.channelGone(event.channelId);
        case 'channelDestroyed':
          if (this.legs.has(event.channelId)) this.causes.noteDestroyed(event.channelId, event.cause);
          else await onOriginatedLegDestroyed(ctx, event.channelId, event.cause);
          return;
        case 'dialProgress': {
          // An originated leg's ANSWER: its StasisStart, just behind, connects the call.
          if (!event.peerInApp) return noteOriginatedDial(ctx, event.peerChannelId, event.status);
          await this.entering.get(event.peerChannelId);
          // A leg reports its dial before it answers, and only an answered leg is ever handed to
          // another call (consult.ts): the call learnt at its StasisStart is still its call.
          const callId = this.legs.get(event.peerChannelId) ?? (await ctx.store.callIdByChannel(event.peerChannelId));
          if (callId && event.status === 'ANSWER' && this.legs.has(event.peerChannelId)) this.answered.add(event.peerChannelId);
          if (callId) await ctx.locks.run(callId, () => onAgentDialProgress(ctx, callId, event.peerChannelId, event.status));
          return;
        }
        default:
          return;
      }
    });
  }

  /**
   * An agent leg entered Stasis: answered (originated) or to be dialed (created). Its later events
   * (its dial's progress, its leaving) are handled after this step: they wait for it.
   */
  private agentEntered(channel: ChannelInfo, callId: string): Promise<void> {
    this.legs.set(channel.id, callId);
    if (channel.state === 'Up') this.answered.add(channel.id);
    const step = onAgentLegEntered(this.ctx, channel, callId);
    // Its failure is the event router's to log, once; the steps waiting for it go on.
    const settled = step.catch(() => undefined);
    this.entering.set(channel.id, settled);
    void settled.then(() => {
      if (this.entering.get(channel.id) === settled) this.entering.delete(channel.id);
    });
    return step;
  }

  /**
   * A callback's customer leg (Stasis role `callback`): dialed once in Stasis; once it answered
   * it is the call's caller channel.
   */
  callbackLeg(event: ChannelEvent): Promise<void> {
    const { ctx } = this;
    return this.withWatchers(event, async () => {
      switch (event.type) {
        case 'channelEnteredApp': {
          const entry = parseStasisArgs(event.args);
          const callId = entry.role === 'other' && entry.name === CALLBACK_ROLE ? entry.args[0] : undefined;
          if (!callId) return;
          return this.entered(event.channel.id, callId, () => onCallbackLegInStasis(ctx, event.channel, callId));
        }
        case 'dialProgress':
          return this.underItsCall(event.peerChannelId, (callId) => onCallbackDialProgress(ctx, callId, event.peerChannelId, event.status));
        case 'channelLeftApp':
          return this.underItsCall(event.channelId, (callId) => {
            this.legs.delete(event.channelId);
            return onCallbackLegGone(ctx, callId, event.channelId);
          });
        default:
          return;
      }
    });
  }

  /**
   * The watchers first and at once, the queue step next to them: a watcher that takes the call's
   * lock (consult.ts: the consulting agent hung up) has it before the queue step asks for it.
   */
  private async withWatchers(event: ChannelEvent, step: () => Promise<void> | undefined): Promise<void> {
    const watchers = this.ctx.hooks.legEvent.map((hook) => hook(event));
    await Promise.all([step(), ...watchers]);
  }

  /** A leg the engine created entered Stasis: remember its call, run the step under the call's lock. */
  private entered(channelId: string, callId: string, step: () => Promise<void>): Promise<void> {
    this.legs.set(channelId, callId);
    return this.ctx.locks.run(callId, step);
  }

  /** Runs the step under the lock of the channel's call; nothing when the channel has none. */
  private async underItsCall(channelId: string, step: (callId: string) => Promise<void>): Promise<void> {
    const callId = await this.callOf(channelId);
    if (callId) await this.ctx.locks.run(callId, () => step(callId));
  }

  private async callOf(channelId: string): Promise<string | undefined> {
    // The store first: completing a consult to a queue hands an agent leg over to another call.
    return (await this.ctx.store.callIdByChannel(channelId)) ?? this.legs.get(channelId);
  }

  /**
   * A leg left Stasis: the queue call it belongs to now (the store's channel index knows) ends
   * (its caller) or hears of it (an agent leg: offer failed, or the talk ended). Also for a
   * control leg once call control is done with it: a completed consult's leg is the call's agent
   * leg now, and the consult's own watch may still have heard that StasisEnd.
   */
  async channelGone(channelId: string): Promise<void> {
    const { ctx } = this;
    // Every leg that leaves, whichever way below it goes (or none: no call any more).
    forgetAgentLeg(ctx, channelId);
    // An agent leg whose answer this engine heard: the agent most likely hung up the call it talked
    // on. The end script, fenced by the leg, tells in one round trip, with no look-up first (issue
    // 12); any other case (a leg handed to another call, a call transferred) is for the store to
    // say. An offer's unanswered leg (rang out, busy, rejected) goes to the store at once.
    const answeredFor = this.answered.delete(channelId) ? this.legs.get(channelId) : undefined;
    if (answeredFor !== undefined && (await ctx.locks.run(answeredFor, () => onTalkingLegGone(ctx, answeredFor, channelId)))) {
      this.causes.forget(channelId);
      this.legs.delete(channelId);
      return;
    }
    // The store first (see callOf), with the call in the same round trip.
    const indexed = await ctx.store.callOfChannel(channelId);
    const callId = indexed?.callId ?? this.legs.get(channelId);
    if (!callId) return;
    if (callId === callIdOf(channelId)) {
      await ctx.locks.run(callId, () => endCall(ctx, callId, 'caller'));
      return;
    }
    // An agent leg: its hangup cause usually arrives just after StasisEnd. Only an offer's outcome
    // needs it; the agent hanging up a connected call ends it without waiting for the cause (issue 14).
    const call = indexed ? indexed.call : await ctx.store.getCall(callId);
    const talking = call?.state === 'connected' && call.agentChannel === channelId;
    const cause = talking ? undefined : await this.causes.settle(channelId, ctx.settings.causeGraceMs);
    if (talking) this.causes.forget(channelId);
    this.legs.delete(channelId);
    await ctx.locks.run(callId, () => onAgentLegGone(ctx, callId, channelId, outcomeOfCause(cause), talking));
  }
}
