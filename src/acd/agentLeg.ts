/**
 * Step 2 of a caller's journey: the agent leg. The router has reserved an agent; we create the
 * agent's channel into Stasis, dial it once its StasisStart arrived (dialing earlier fails with
 * 409), and turn what the PBX reports into the offer's outcome: answered → connect; busy,
 * rejected, unreachable or rung out → the caller goes back to its place and the next agent is tried.
 * All of these run under the call's lock (but the dial of a leg just created: dialCreatedLeg) and
 * are fenced by the agent channel id in the store.
 */
import { isPbxError, type ChannelInfo, type DialStatus } from '../pbx/port.js';
import type { Assignment, OfferOutcome } from '../store/types.js';
import { connectCall, discardPreparedBridge, prepareBridge } from './bridging.js';
import { endCall } from './callEnd.js';
import { perEngine, type AcdContext } from './context.js';
import { claimedBy } from './hooks.js';
import { hangupQuietly } from './legs.js';

/**
 * The offer failed: the agent is freed per the queue's rules (RONA count, back-offs), and the
 * caller goes back to its place once its last offer failed (ringall keeps the others ringing).
 */
export async function failOffer(ctx: AcdContext, callId: string, agentChannel: string, outcome: OfferOutcome): Promise<void> {
  const { ok, agentId, backoffMs = 0, offersLeft = 0 } = await ctx.store.offerFailed(callId, agentChannel, outcome, ctx.settings.retryDelayMs);
  if (!ok) return;
  ctx.logger.info({ callId, agentId, agentChannel, outcome, backoffMs, offersLeft }, offersLeft > 0 ? 'offer failed; other offers ring on' : 'offer failed; caller back in queue');
  // The leg's bridge made ahead goes with the offer (its StasisEnd may find the leg no one's any more).
  await Promise.all([hangupQuietly(ctx, agentChannel), discardPreparedBridge(ctx, agentChannel)]);
  if (offersLeft === 0) {
    const call = await ctx.store.getCall(callId);
    if (call) ctx.kick({ queue: call.queue });
  }
  if (!agentId) return;
  // The back-off ends without any event: a timer offers the agent calls again then.
  if (backoffMs > 0) await ctx.timers.scheduleRetry(agentId, backoffMs);
  else ctx.kick({ agentId });
}

/**
 * What the assignment said about legs created but not yet in Stasis: their StasisStart need not
 * read the call, the queue or the agent before the dial (in memory; after a restart the locked
 * step reads them).
 */
interface CreatedLeg {
  callerChannel: string;
  ringTimeoutS: number;
  manualAnswer: boolean;
  /** The call's only offer when made (not ringall): its bridge is made while it rings. */
  lone: boolean;
  /** Its create request is not answered yet: the PBX may not know the channel. */
  creating: boolean;
}

const createdLegsOf = perEngine(() => new Map<string, CreatedLeg>());

function takeCreatedLeg(ctx: AcdContext, agentChannel: string): CreatedLeg | undefined {
  const legs = createdLegsOf(ctx);
  const leg = legs.get(agentChannel);
  legs.delete(agentChannel);
  return leg;
}

/**
 * Whether this engine's create request for the leg is still unanswered: a view of the PBX without
 * the channel does not say it is gone (reconcile.ts).
 */
export function legBeingCreated(ctx: AcdContext, agentChannel: string): boolean {
  return createdLegsOf(ctx).get(agentChannel)?.creating === true;
}

/**
 * Agent legs this engine dialed (→ when), until they leave Stasis (forgetAgentLeg): a leg is dialed once. A view of
 * the PBX read before Asterisk carried out the dial still shows it Down; dialing it again would
 * fail (409) and fail a live offer (reconcile.ts).
 */
const dialedLegsOf = perEngine(() => new Map<string, number>());

/**
 * After a reconnect: forgets the dialed legs absent from a view of the app read after they were
 * dialed (they left while their StasisEnd could not reach us). `viewSince`: when reading it began.
 */
export function forgetDialedLegsGone(ctx: AcdContext, inApp: ReadonlyMap<string, unknown>, viewSince: number): void {
  const dialed = dialedLegsOf(ctx);
  for (const [leg, dialedAt] of dialed) if (dialedAt < viewSince && !inApp.has(leg)) dialed.delete(leg);
}

/** Creates the agent leg into Stasis; undefined once it is on its way, else the failed offer's outcome. */
async function createAgentLeg(ctx: AcdContext, a: Assignment, lone: boolean): Promise<OfferOutcome | undefined> {
  const log = ctx.logger.child({ callId: a.callId, agentId: a.agentId, agentChannel: a.agentChannel });
  const created: CreatedLeg = { callerChannel: a.callerChannel, ringTimeoutS: a.ringTimeoutS, manualAnswer: a.manualAnswer === true, lone, creating: true };
  createdLegsOf(ctx).set(a.agentChannel, created);
  try {
    await ctx.pbx.createChannel({
      endpoint: a.endpoint,
      channelId: a.agentChannel,
      appArgs: ['agent', a.agentId, a.callId],
      originator: a.callerChannel,
      callerId: a.callerName ? `"${a.callerName}" <${a.callerNumber}>` : a.callerNumber,
    });
    created.creating = false;
    log.info({ endpoint: a.endpoint }, 'agent leg created');
    return undefined;
  } catch (err) {
    const unreachable = isPbxError(err, 'allocation_failed') || isPbxError(err, 'invalid');
    log.warn({ err, endpoint: a.endpoint }, unreachable ? 'agent endpoint unreachable' : 'agent leg creation failed');
    takeCreatedLeg(ctx, a.agentChannel);
    return unreachable ? 'unavailable' : 'failed';
  }
}

/** An offer made under the call's lock (transfer, park: `lone`; ring-progressively steps: not). */
export async function offerToAgent(ctx: AcdContext, a: Assignment, lone: boolean): Promise<void> {
  const failed = await createAgentLeg(ctx, a, lone);
  if (failed) await failOffer(ctx, a.callId, a.agentChannel, failed);
}

/**
 * A routing decision's offer, started outside the call's lock, so that it never waits for a step
 * of the call still in flight (e.g. a replayed entry answering the caller). Its StasisStart,
 * handled under the lock, dials it after that step; only a failed creation takes the lock here.
 * `lone`: the only offer of its call in the decision (ringall makes several).
 */
export async function startOffer(ctx: AcdContext, a: Assignment, lone: boolean): Promise<void> {
  const failed = await createAgentLeg(ctx, a, lone);
  if (failed) await ctx.locks.run(a.callId, () => failOffer(ctx, a.callId, a.agentChannel, failed));
}

/** The call whose offer the leg is, with all its offers (one round trip); undefined for a stale leg. */
async function offerOfLeg(ctx: AcdContext, callId: string, agentChannel: string) {
  const [call, offers] = await Promise.all([ctx.store.getCall(callId), ctx.store.callOffers(callId)]);
  if (!call || call.state !== 'offering' || !offers.some((o) => o.agentChannel === agentChannel)) return undefined;
  return { call, offers };
}

/** The agent leg entered Stasis: now it may be dialed. A leg for an offer that ended meanwhile is hung up. */
export async function onAgentLegInStasis(ctx: AcdContext, channel: ChannelInfo, callId: string): Promise<void> {
  const offer = await offerOfLeg(ctx, callId, channel.id);
  if (!offer) {
    ctx.logger.info({ callId, agentChannel: channel.id }, 'stale agent leg; hanging up');
    return hangupQuietly(ctx, channel.id);
  }
  const { call, offers } = offer;
  // The assignment's ring timeout when this engine created the leg (a manual-answer agent's);
  // for a leg created before a restart, the queue's.
  const ringTimeoutS = takeCreatedLeg(ctx, channel.id)?.ringTimeoutS ?? (await ctx.store.getQueue(call.queue))?.ringTimeoutS ?? 15;
  // A feature may hold the leg (manual answer: dialed once the agent answers on its desktop).
  const agentId = offers.find((o) => o.agentChannel === channel.id)!.agentId;
  if (await claimedBy(ctx.hooks.legInStasis, callId, channel.id, agentId, ringTimeoutS)) return;
  // ringall's many legs would each get a bridge for one to use: only a lone offer gets one ahead.
  await dialAgentLeg(ctx, callId, call.callerChannel, channel.id, ringTimeoutS, offers.length === 1);
}

/**
 * The StasisStart of a leg this engine created for an agent who does not answer manually: the
 * leg is dialed at once, outside the call's lock, which the caller's entry holds while Asterisk
 * answers the caller and starts its music (~4 ms of each call on a real Asterisk, issue 12), and
 * without reading the call first (what the dial needs came with the assignment, in memory).
 * Safe without the lock and the read: the offer is in the store before the leg exists, every
 * store step is fenced by the agent channel, and markRinging tells whether the offer still
 * stands: a leg whose call ended or was answered elsewhere meanwhile is hung up (it rang for the
 * few ms of one round trip; the call's end hangs it up too). The leg's later steps (its answer,
 * its leaving) wait for this one (dispatcher.ts).
 * False when the locked step must handle the leg: one created before a restart, a manual-answer
 * agent's (held by the legInStasis hooks).
 */
export async function dialCreatedLeg(ctx: AcdContext, channelId: string, callId: string): Promise<boolean> {
  const created = createdLegsOf(ctx).get(channelId);
  if (!created || created.manualAnswer) return false;
  takeCreatedLeg(ctx, channelId);
  await dialAgentLeg(ctx, callId, created.callerChannel, channelId, created.ringTimeoutS, created.lone, false);
  return true;
}

/**
 * Rings the agent's phone on its leg (in Stasis); a dial that fails fails the offer. With
 * `bridgeAhead`, the bridge is created alongside the dial (issue 12: a phone that answers at once
 * finds it made; a failed offer destroys it, failOffer).
 */
export async function dialAgentLeg(ctx: AcdContext, callId: string, callerChannel: string, agentChannel: string, ringTimeoutS: number, bridgeAhead = false, underLock = true): Promise<void> {
  if (dialedLegsOf(ctx).has(agentChannel)) {
    ctx.logger.info({ callId, agentChannel }, 'agent leg dialed already; not again');
    return;
  }
  dialedLegsOf(ctx).set(agentChannel, Date.now());
  // Never rejects (a bridge not made ahead is made at the answer).
  const bridging = bridgeAhead ? prepareBridge(ctx, callerChannel, agentChannel) : undefined;
  // The dial and the store's "ringing" go out together: a phone that answers at once waits for
  // this step (dispatcher.ts), so for one round trip less (issue 12). Either failing fails the offer.
  const [dialed, marked] = await Promise.allSettled([
    ctx.pbx.dial(agentChannel, { callerChannelId: callerChannel, timeoutS: ringTimeoutS }),
    ctx.store.markRinging(callId, agentChannel),
  ]);
  await bridging;
  if (dialed.status === 'rejected' || marked.status === 'rejected') {
    ctx.logger.warn({ err: dialed.status === 'rejected' ? dialed.reason : (marked as PromiseRejectedResult).reason, callId, agentChannel }, 'dial failed');
    if (underLock) await failOffer(ctx, callId, agentChannel, 'failed');
    else await ctx.locks.run(callId, () => failOffer(ctx, callId, agentChannel, 'failed'));
    return;
  }
  if (marked.value) return;
  // The offer ended while the leg was being dialed (caller gone, answered on another leg...).
  ctx.logger.info({ callId, agentChannel }, 'stale agent leg; hanging up');
  await Promise.all([hangupQuietly(ctx, agentChannel), discardPreparedBridge(ctx, agentChannel)]);
}

const DIAL_FAILURES: Partial<Record<DialStatus, OfferOutcome>> = {
  BUSY: 'busy',
  NOANSWER: 'noanswer',
  CHANUNAVAIL: 'unavailable',
  CONGESTION: 'unavailable',
};

export async function onAgentDialProgress(ctx: AcdContext, callId: string, agentChannel: string, status: DialStatus): Promise<void> {
  if (status === 'ANSWER') return connectCall(ctx, callId, agentChannel);
  const outcome = DIAL_FAILURES[status];
  // BUSY leaves the leg up (Asterisk would keep it ~5 s): failOffer hangs it up.
  if (outcome) await failOffer(ctx, callId, agentChannel, outcome);
}

/** A channel left Stasis: what this engine remembered of it as an agent leg goes (nothing for any other channel). */
export function forgetAgentLeg(ctx: AcdContext, agentChannel: string): void {
  takeCreatedLeg(ctx, agentChannel);
  dialedLegsOf(ctx).delete(agentChannel);
}

/** Q.850 causes of an agent leg that ended before it answered. */
export function outcomeOfCause(cause: number | undefined): OfferOutcome {
  switch (cause) {
    case 19: // no answer (ring timeout)
    case 18: // no user responding
      return 'noanswer';
    case 17:
      return 'busy';
    case 21:
      return 'rejected';
    case 1: // unallocated number
    case 3: // no route
    case 20: // subscriber absent
    case 27: // destination out of order
      return 'unavailable';
    default:
      return 'failed';
  }
}

/**
 * The agent leg left Stasis (hung up, rang out, rejected...). `talking`: the call was connected on
 * this leg when the leg left; the call then ends, fenced by the leg in the store (a call
 * transferred or handed over meanwhile goes on), with no read of it first.
 */
export async function onAgentLegGone(ctx: AcdContext, callId: string, agentChannel: string, cause: number | undefined, talking = false): Promise<void> {
  if (talking) {
    await onTalkingLegGone(ctx, callId, agentChannel);
    return;
  }
  await discardPreparedBridge(ctx, agentChannel);
  const call = await ctx.store.getCall(callId);
  if (!call) return;
  // Fenced in the store: a leg that is not one of the call's offers changes nothing.
  if (call.state === 'offering') return failOffer(ctx, callId, agentChannel, outcomeOfCause(cause));
  if (call.state === 'connected' && call.agentChannel === agentChannel) await endCall(ctx, callId, 'agent');
}

/**
 * The agent leg left Stasis while its call may be connected on it (the agent hung up): the call
 * ends, fenced by the leg in the store, with no read first. False when the call was not
 * connected on this leg (an offer's leg, a call transferred or handed over meanwhile).
 */
export async function onTalkingLegGone(ctx: AcdContext, callId: string, agentChannel: string): Promise<boolean> {
  await discardPreparedBridge(ctx, agentChannel);
  return endCall(ctx, callId, 'agent', agentChannel);
}
