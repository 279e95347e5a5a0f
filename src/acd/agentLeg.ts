/**
 * Step 2 of a caller's journey: the agent leg. The router has reserved an agent; we originate the
 * agent's channel (one request that rings it, issue 12); it enters Stasis once answered, and the
 * call connects. Unanswered, it is destroyed with a cause: busy, rejected, unreachable or rung out
 * → the caller goes back to its place and the next agent is tried. A manual-answer agent's leg is
 * created into Stasis instead and dialed when the agent answers on its desktop (control/answer.ts).
 * The steps run under the call's lock (but the request itself: startOffer) and are fenced by the
 * agent channel id in the store.
 */
import { isPbxError, type ChannelInfo, type DialStatus } from '../pbx/port.js';
import type { Assignment, OfferOutcome } from '../store/types.js';
import { connectCall, discardPreparedBridge, prepareBridge } from './bridging.js';
import { endCall } from './callEnd.js';
import { perEngine, type AcdContext } from './context.js';
import { claimedBy } from './hooks.js';
import { hangupQuietly } from './legs.js';
import { checkDialAnswer } from './dialAnswerCheck.js';

/**
 * The offer failed: the agent is freed per the queue's rules (RONA count, back-offs), and the
 * caller goes back to its place once its last offer failed (ringall keeps the others ringing).
 */
export async function failOffer(ctx: AcdContext, callId: string, agentChannel: string, outcome: OfferOutcome): Promise<void> {
  const unapplied = unappliedOutcomesOf(ctx);
  const { ok, agentId, backoffMs = 0, offersLeft = 0 } = await ctx.store.offerFailed(callId, agentChannel, outcome, ctx.settings.retryDelayMs).catch((err: unknown) => {
    if (outcome !== 'failed') rememberUnapplied(unapplied, agentChannel, outcome);
    throw err;
  });
  unapplied.delete(agentChannel);
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
 * Offer outcomes the store did not take (Redis refusing writes or away as the leg ended), by
 * agent leg: the repair that follows finds the leg gone and fails the offer with its outcome, so
 * a rung-out agent still counts a no-answer (RONA) rather than coming back ready. Kept 10 minutes
 * at most (an offer ended some other way meanwhile never asks).
 */
const unappliedOutcomesOf = perEngine(() => new Map<string, { outcome: OfferOutcome; at: number }>());
const UNAPPLIED_KEEP_MS = 10 * 60_000;

function rememberUnapplied(unapplied: Map<string, { outcome: OfferOutcome; at: number }>, agentChannel: string, outcome: OfferOutcome): void {
  const now = Date.now();
  // Oldest first (insertion order): the stale ones go before a new one is kept.
  for (const [leg, { at }] of unapplied) {
    if (now - at < UNAPPLIED_KEEP_MS) break;
    unapplied.delete(leg);
  }
  unapplied.delete(agentChannel);
  unapplied.set(agentChannel, { outcome, at: now });
}

/** How the offer on this agent leg ended, if its step failed before the store took it (reconcile). */
export function unappliedOutcome(ctx: AcdContext, agentChannel: string): OfferOutcome | undefined {
  return unappliedOutcomesOf(ctx).get(agentChannel)?.outcome;
}

/**
 * A manual-answer agent's leg, created into Stasis, until its StasisStart: the ring timeout the
 * assignment gave it (after a restart the locked step reads the queue's).
 */
interface CreatedLeg {
  ringTimeoutS: number;
  /** Its create request is not answered yet: the PBX may not know the channel. */
  creating: boolean;
}

const createdLegsOf = perEngine(() => new Map<string, CreatedLeg>());

/**
 * An originated leg (rings outside Stasis) until it enters Stasis or is destroyed: its
 * ChannelDestroyed is the only word on an offer that was not answered.
 */
interface OriginatedLeg {
  callId: string;
  /** The originate request and the store's "ringing", settled: the leg's own steps wait for them. */
  started: Promise<void>;
  /** The originate request is not answered yet: the PBX may not know the channel. */
  requesting: boolean;
  /** The last final status of its Dial events: a busy Local leg is destroyed with cause 0. */
  dialStatus?: DialStatus;
  /** ms epoch of the request (or of reconcile finding it): when a view of the PBX could list it. */
  since: number;
}

const originatedLegsOf = perEngine(() => new Map<string, OriginatedLeg>());

function takeCreatedLeg(ctx: AcdContext, agentChannel: string): CreatedLeg | undefined {
  const legs = createdLegsOf(ctx);
  const leg = legs.get(agentChannel);
  legs.delete(agentChannel);
  return leg;
}

/**
 * Whether this engine's create or originate request for the leg is still unanswered: a view of
 * the PBX without the channel does not say it is gone (reconcile.ts).
 */
export function legRequestPending(ctx: AcdContext, agentChannel: string): boolean {
  return createdLegsOf(ctx).get(agentChannel)?.creating === true || originatedLegsOf(ctx).get(agentChannel)?.requesting === true;
}

/**
 * Agent legs this engine dialed (→ when), until they leave Stasis (forgetAgentLeg): a leg is dialed once. A view of
 * the PBX read before Asterisk carried out the dial still shows it Down; dialing it again would
 * fail (409) and fail a live offer (reconcile.ts).
 */
const dialedLegsOf = perEngine(() => new Map<string, number>());

/**
 * After a reconnect: forgets the legs whose leaving could not reach us, as a view of the PBX read
 * after they were dialed or originated shows (`viewSince`: when reading it began): dialed legs
 * absent from the app, originated legs absent from the PBX (their offers are repaired from the store).
 */
export function forgetLegsGone(ctx: AcdContext, inApp: ReadonlyMap<string, unknown>, inPbx: ReadonlySet<string>, viewSince: number): void {
  const dialed = dialedLegsOf(ctx);
  for (const [leg, dialedAt] of dialed) if (dialedAt < viewSince && !inApp.has(leg)) dialed.delete(leg);
  const originated = originatedLegsOf(ctx);
  for (const [leg, { since, requesting }] of originated) if (!requesting && since < viewSince && !inPbx.has(leg)) originated.delete(leg);
}

/**
 * Reconcile found an offer's leg ringing outside Stasis (originated before a restart, or by this
 * engine): followed from now on, so that its ChannelDestroyed fails the offer. Call it before
 * looking the leg up, so that an end between the look-up and this is not missed.
 */
export function followOriginatedLeg(ctx: AcdContext, agentChannel: string, callId: string): void {
  if (originatedLegsOf(ctx).has(agentChannel)) return;
  originatedLegsOf(ctx).set(agentChannel, { callId, started: Promise.resolve(), requesting: false, since: Date.now() });
}

/** The leg was found in Stasis or gone after all: no longer followed as ringing outside it. */
export function unfollowOriginatedLeg(ctx: AcdContext, agentChannel: string): void {
  originatedLegsOf(ctx).delete(agentChannel);
}

const legLogger = (ctx: AcdContext, a: Assignment) => ctx.logger.child({ callId: a.callId, agentId: a.agentId, agentChannel: a.agentChannel });

const callerIdOf = (a: Assignment) => (a.callerName ? `"${a.callerName}" <${a.callerNumber}>` : a.callerNumber);

/** Why a create or originate request failed, as the offer's outcome. */
function failedRequest(ctx: AcdContext, a: Assignment, err: unknown): OfferOutcome {
  const unreachable = isPbxError(err, 'allocation_failed') || isPbxError(err, 'invalid');
  legLogger(ctx, a).warn({ err, endpoint: a.endpoint }, unreachable ? 'agent endpoint unreachable' : 'agent leg request failed');
  return unreachable ? 'unavailable' : 'failed';
}

/**
 * Rings the agent: one request (issue 12) that dials the leg at once; it enters Stasis when it
 * answered (onAgentLegEntered connects the call), or ends with a cause (onOriginatedLegDestroyed).
 * The store's "ringing" goes out with it. With `lone` the bridge is made while it rings (a phone
 * that answers at once finds it made; a failed offer destroys it, failOffer). Undefined once it
 * rings (or was found stale and hung up), else the failed offer's outcome.
 */
async function originateAgentLeg(ctx: AcdContext, a: Assignment, lone: boolean): Promise<OfferOutcome | undefined> {
  let settle = () => {};
  const leg: OriginatedLeg = { callId: a.callId, started: new Promise<void>((resolve) => (settle = resolve)), requesting: true, since: Date.now() };
  originatedLegsOf(ctx).set(a.agentChannel, leg);
  try {
    // Never rejects (a bridge not made ahead is made at the answer).
    const bridging = lone ? prepareBridge(ctx, a.callerChannel, a.agentChannel) : undefined;
    const [originated, marked] = await Promise.allSettled([
      ctx.pbx.originate({
        endpoint: a.endpoint,
        channelId: a.agentChannel,
        appArgs: ['agent', a.agentId, a.callId],
        originator: a.callerChannel,
        callerId: callerIdOf(a),
        timeoutS: a.ringTimeoutS,
      }),
      ctx.store.markRinging(a.callId, a.agentChannel),
    ]);
    leg.requesting = false;
    await bridging;
    if (originated.status === 'rejected') {
      // No event will come for a channel that was not made.
      originatedLegsOf(ctx).delete(a.agentChannel);
      return failedRequest(ctx, a, originated.reason);
    }
    if (marked.status === 'rejected') {
      legLogger(ctx, a).warn({ err: marked.reason }, 'marking the agent ringing failed');
      return 'failed';
    }
    if (marked.value) {
      legLogger(ctx, a).info({ endpoint: a.endpoint }, 'agent leg originated');
      return undefined;
    }
    // The offer ended while the leg was being originated (caller gone...).
    legLogger(ctx, a).info('stale agent leg; hanging up');
    await Promise.all([hangupQuietly(ctx, a.agentChannel), discardPreparedBridge(ctx, a.agentChannel)]);
    return undefined;
  } finally {
    settle();
  }
}

/**
 * A manual-answer agent's leg is created into Stasis, to be dialed when the agent answers on its
 * desktop (control/answer.ts); undefined once it is on its way, else the failed offer's outcome.
 */
async function createAgentLeg(ctx: AcdContext, a: Assignment): Promise<OfferOutcome | undefined> {
  const created: CreatedLeg = { ringTimeoutS: a.ringTimeoutS, creating: true };
  createdLegsOf(ctx).set(a.agentChannel, created);
  try {
    await ctx.pbx.createChannel({ endpoint: a.endpoint, channelId: a.agentChannel, appArgs: ['agent', a.agentId, a.callId], originator: a.callerChannel, callerId: callerIdOf(a) });
    created.creating = false;
    legLogger(ctx, a).info({ endpoint: a.endpoint }, 'agent leg created');
    return undefined;
  } catch (err) {
    takeCreatedLeg(ctx, a.agentChannel);
    return failedRequest(ctx, a, err);
  }
}

const ringAgent = (ctx: AcdContext, a: Assignment, lone: boolean) => (a.manualAnswer === true ? createAgentLeg(ctx, a) : originateAgentLeg(ctx, a, lone));

/** An offer made under the call's lock (transfer, park: `lone`; ring-progressively steps: not). */
export async function offerToAgent(ctx: AcdContext, a: Assignment, lone: boolean): Promise<void> {
  const failed = await ringAgent(ctx, a, lone);
  if (failed) await failOffer(ctx, a.callId, a.agentChannel, failed);
}

/**
 * A routing decision's offer, started outside the call's lock, so that it never waits for a step
 * of the call still in flight (e.g. a replayed entry answering the caller, ~4 ms of each call on a
 * real Asterisk, issue 12): safe without it, as the offer is in the store before the leg exists and
 * every store step is fenced by the agent channel. The leg's answer is handled under the lock,
 * after that step; only a failed request takes the lock here.
 * `lone`: the only offer of its call in the decision (ringall makes several).
 */
export async function startOffer(ctx: AcdContext, a: Assignment, lone: boolean): Promise<void> {
  const failed = await ringAgent(ctx, a, lone);
  if (failed) await ctx.locks.run(a.callId, () => failOffer(ctx, a.callId, a.agentChannel, failed));
}

/** The call whose offer the leg is, with all its offers (one round trip); undefined for a stale leg. */
async function offerOfLeg(ctx: AcdContext, callId: string, agentChannel: string) {
  const [call, offers] = await Promise.all([ctx.store.getCall(callId), ctx.store.callOffers(callId)]);
  if (!call || call.state !== 'offering' || !offers.some((o) => o.agentChannel === agentChannel)) return undefined;
  return { call, offers };
}

/**
 * An agent leg entered Stasis (not under the call's lock). An originated leg has answered: its
 * step waits for its originate step (the store's "ringing" must come before the connect), then
 * connects under the lock. A created one (manual answer) is held or dialed under the lock.
 */
export async function onAgentLegEntered(ctx: AcdContext, channel: ChannelInfo, callId: string): Promise<void> {
  const originated = originatedLegsOf(ctx).get(channel.id);
  if (originated) {
    originatedLegsOf(ctx).delete(channel.id);
    await originated.started;
  }
  await ctx.locks.run(callId, () => onAgentLegInStasis(ctx, channel, callId));
}

/**
 * The agent leg is in Stasis (under the call's lock). Up: originated and answered, the call
 * connects. Down: created for a manual-answer agent, it is held for the agent's answer or dialed.
 * A leg for an offer that ended meanwhile is hung up.
 */
export async function onAgentLegInStasis(ctx: AcdContext, channel: ChannelInfo, callId: string): Promise<void> {
  if (channel.state === 'Up') return connectAnswered(ctx, callId, channel.id);
  const offer = await offerOfLeg(ctx, callId, channel.id);
  if (!offer) {
    ctx.logger.info({ callId, agentChannel: channel.id }, 'stale agent leg; hanging up');
    return hangupQuietly(ctx, channel.id);
  }
  const { call, offers } = offer;
  // The assignment's ring timeout when this engine created the leg; for a leg created before a restart, the queue's.
  const ringTimeoutS = takeCreatedLeg(ctx, channel.id)?.ringTimeoutS ?? (await ctx.store.getQueue(call.queue))?.ringTimeoutS ?? 15;
  // A feature may hold the leg (manual answer: dialed once the agent answers on its desktop).
  const agentId = offers.find((o) => o.agentChannel === channel.id)!.agentId;
  if (await claimedBy(ctx.hooks.legInStasis, callId, channel.id, agentId, ringTimeoutS)) return;
  // ringall's many legs would each get a bridge for one to use: only a lone offer gets one ahead.
  await dialAgentLeg(ctx, callId, call.callerChannel, channel.id, ringTimeoutS, offers.length === 1);
}

/** The agent answered on this leg: the call connects on it, or the leg goes when its offer no longer stands. */
async function connectAnswered(ctx: AcdContext, callId: string, agentChannel: string): Promise<void> {
  if (await connectCall(ctx, callId, agentChannel)) return;
  // Connected on this leg already (its answer read from its state, then its Dial ANSWER after all).
  const call = await ctx.store.getCall(callId);
  if (call?.state === 'connected' && call.agentChannel === agentChannel) return;
  ctx.logger.info({ callId, agentChannel }, 'answered agent leg of an offer that ended; hanging up');
  await Promise.all([hangupQuietly(ctx, agentChannel), discardPreparedBridge(ctx, agentChannel)]);
}

/**
 * Rings the agent's phone on its leg (in Stasis); a dial that fails fails the offer. With
 * `bridgeAhead`, the bridge is created alongside the dial (issue 12: a phone that answers at once
 * finds it made; a failed offer destroys it, failOffer).
 */
export async function dialAgentLeg(ctx: AcdContext, callId: string, callerChannel: string, agentChannel: string, ringTimeoutS: number, bridgeAhead = false): Promise<void> {
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
    await failOffer(ctx, callId, agentChannel, 'failed');
    return;
  }
  if (marked.value) return lookForAnswer(ctx, callId, agentChannel);
  // The offer ended while the leg was being dialed (caller gone, answered on another leg...).
  ctx.logger.info({ callId, agentChannel }, 'stale agent leg; hanging up');
  await Promise.all([hangupQuietly(ctx, agentChannel), discardPreparedBridge(ctx, agentChannel)]);
}

/**
 * The dialed leg's Dial ANSWER may never come (dialAnswerCheck.ts): Up while it is in Stasis and
 * its offer still stands, it connects as its answer would have.
 */
function lookForAnswer(ctx: AcdContext, callId: string, agentChannel: string): void {
  checkDialAnswer(agentChannel, {
    channelNow: (channelId) => ctx.pbx.getChannel(channelId),
    stillDialing: () => dialedLegsOf(ctx).has(agentChannel),
    answered: () =>
      ctx.locks.run(callId, async () => {
        if (await offerOfLeg(ctx, callId, agentChannel)) await connectAnswered(ctx, callId, agentChannel);
      }),
    onError: (err) => ctx.logger.error({ err, callId, agentChannel }, 'dial answer check failed'),
  });
}

const DIAL_FAILURES: Partial<Record<DialStatus, OfferOutcome>> = {
  BUSY: 'busy',
  NOANSWER: 'noanswer',
  CHANUNAVAIL: 'unavailable',
  CONGESTION: 'unavailable',
};

/** A dial of a leg in Stasis (a manual-answer agent's) reports its outcome. */
export async function onAgentDialProgress(ctx: AcdContext, callId: string, agentChannel: string, status: DialStatus): Promise<void> {
  if (status === 'ANSWER') return connectAnswered(ctx, callId, agentChannel);
  const outcome = DIAL_FAILURES[status];
  // BUSY leaves the leg up (Asterisk would keep it ~5 s): failOffer hangs it up.
  if (outcome) await failOffer(ctx, callId, agentChannel, outcome);
}

/** A Dial event of an originated leg (not in Stasis yet): its last failure is kept for its end. */
export function noteOriginatedDial(ctx: AcdContext, agentChannel: string, status: DialStatus): void {
  const leg = originatedLegsOf(ctx).get(agentChannel);
  if (leg && status !== 'ANSWER') leg.dialStatus = status;
}

/**
 * A leg that never entered Stasis was destroyed (rang out, busy, rejected, or hung up by us when
 * its offer ended): its offer fails, fenced by the leg. Nothing for a leg this engine does not
 * follow as ringing outside Stasis.
 */
export async function onOriginatedLegDestroyed(ctx: AcdContext, agentChannel: string, cause: number): Promise<void> {
  const leg = originatedLegsOf(ctx).get(agentChannel);
  if (!leg) return;
  originatedLegsOf(ctx).delete(agentChannel);
  await leg.started;
  // Asterisk destroys a busy Local leg with cause 0, after a Dial BUSY.
  const byCause = outcomeOfCause(cause);
  const outcome = byCause === 'failed' && leg.dialStatus ? (DIAL_FAILURES[leg.dialStatus] ?? 'failed') : byCause;
  await ctx.locks.run(leg.callId, () => onAgentLegGone(ctx, leg.callId, agentChannel, outcome));
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
 * The agent leg ended (hung up, rang out, rejected...) with `outcome` for its offer. `talking`: the call was connected on
 * this leg when the leg left; the call then ends, fenced by the leg in the store (a call
 * transferred or handed over meanwhile goes on), with no read of it first.
 */
export async function onAgentLegGone(ctx: AcdContext, callId: string, agentChannel: string, outcome: OfferOutcome, talking = false): Promise<void> {
  if (talking) {
    await onTalkingLegGone(ctx, callId, agentChannel);
    return;
  }
  await discardPreparedBridge(ctx, agentChannel);
  const call = await ctx.store.getCall(callId);
  if (!call) return;
  // Fenced in the store: a leg that is not one of the call's offers changes nothing.
  if (call.state === 'offering') return failOffer(ctx, callId, agentChannel, outcome);
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
