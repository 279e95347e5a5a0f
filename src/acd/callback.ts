/**
 * Callback (virtual hold). While waiting, the caller presses the queue's callback key: it leaves
 * its line (QUEUESTATUS=CALLBACK, the dialplan says goodbye) but the call keeps its place. When it
 * reaches the front, the router offers it to an agent like any call; once the AGENT answers we
 * call the customer (agent first, so the customer never waits for an agent on our call) on the
 * queue's dial string, with the agent hearing music meanwhile. The customer answering makes its
 * leg the call's caller channel and the normal connect path bridges the two. A customer that
 * does not answer frees the agent; the call waits out the retry delay out of the queue and then
 * takes its old place again, up to `attempts` tries (then QueueCallerLeave CALLBACKFAILED).
 *
 * Customer legs are Stasis(acd,callback,<callId>) channels: the queue flow ignores that role and
 * this module handles their events (routed to it by src/acd/dispatcher.ts).
 */
import { randomUUID } from 'node:crypto';
import type { QueueDef } from '../domain/queue.js';
import { callbackLegId } from '../domain/idPrefixes.js';
import { isPbxError, type ChannelInfo, type DialStatus } from '../pbx/port.js';
import { hangupQuietly } from './legs.js';
import { connectCall } from './bridging.js';
import { endCall } from './callEnd.js';
import type { AcdContext } from './context.js';
import { stopAnnouncements, stopHoldMedia } from './holdMedia.js';
import { continueWithStatus } from './queueExit.js';
import type { CallerTimerJob } from './timers.js';

export const CALLBACK_ROLE = 'callback';

const dialStringFor = (pattern: string, number: string) => pattern.replace(/\{number\}/g, number);

/** The caller pressed the callback key (under the call's lock, call waiting on `channelId`). */
export async function requestCallback(ctx: AcdContext, callId: string, channelId: string, queue: QueueDef): Promise<void> {
  const number = (await ctx.store.getCall(callId))?.callerNumber ?? '';
  if (!number || !(await ctx.store.requestCallback(callId, channelId, number))) {
    ctx.logger.info({ callId, number }, 'callback not possible (no caller number or not waiting)');
    return;
  }
  ctx.logger.info({ callId, queue: queue.id, number }, 'callback requested; caller keeps its place');
  await stopAnnouncements(ctx, callId);
  await stopHoldMedia(ctx, channelId);
  await continueWithStatus(ctx, channelId, 'CALLBACK');
}

async function quietly(ctx: AcdContext, request: () => Promise<void>): Promise<void> {
  try {
    await request();
  } catch (err) {
    if (!isPbxError(err)) throw err;
  }
}

/**
 * Called by bridging when an agent answered: for a callback call still without a customer leg,
 * start calling the customer instead of bridging. Returns true when the call was a callback.
 */
export async function divertToCallback(ctx: AcdContext, callId: string, agentChannel: string): Promise<boolean> {
  const stay = await ctx.store.stayOf(callId);
  if (!stay || !stay.cbNumber || stay.callerChannel !== '') return false;
  const queue = await ctx.store.getQueue(stay.queue);
  const options = queue?.callback;
  const cbChannel = callbackLegId(randomUUID());
  // Fenced out (not offered on this leg, already answered...): the normal connect, fenced too, decides.
  const dialing = options ? await ctx.store.callbackDial(callId, agentChannel, cbChannel) : undefined;
  if (!options || !dialing) return false;
  for (const channel of dialing.released) await hangupQuietly(ctx, channel);
  await quietly(ctx, () => ctx.pbx.startMoh(agentChannel, queue?.musicClass));
  try {
    await ctx.pbx.createChannel({
      endpoint: dialStringFor(options.dialString, stay.cbNumber),
      channelId: cbChannel,
      appArgs: [CALLBACK_ROLE, callId],
      originator: agentChannel,
      callerId: queue?.name,
    });
    ctx.logger.info({ callId, cbChannel, number: stay.cbNumber }, 'calling the customer back');
  } catch (err) {
    ctx.logger.warn({ err, callId, cbChannel }, 'callback leg creation failed');
    await callbackFailed(ctx, callId, cbChannel);
  }
  return true;
}

/** The customer's leg entered Stasis: dial it (the Stasis args name the call). */
export async function onCallbackLegInStasis(ctx: AcdContext, channel: ChannelInfo, callId: string): Promise<void> {
  const stay = await ctx.store.stayOf(callId);
  if (!stay || stay.state !== 'offering' || stay.cbChannel !== channel.id) return hangupQuietly(ctx, channel.id);
  const queue = await ctx.store.getQueue(stay.queue);
  try {
    await ctx.pbx.dial(channel.id, { timeoutS: queue?.callback?.ringTimeoutS ?? 30 });
  } catch (err) {
    ctx.logger.warn({ err, callId, cbChannel: channel.id }, 'callback dial failed');
    await callbackFailed(ctx, callId, channel.id);
  }
}

export async function onCallbackDialProgress(ctx: AcdContext, callId: string, cbChannel: string, status: DialStatus): Promise<void> {
  if (status === 'ANSWER') {
    const stay = await ctx.store.stayOf(callId);
    if (!stay || !(await ctx.store.callbackAnswered(callId, cbChannel))) return hangupQuietly(ctx, cbChannel);
    const call = await ctx.store.getCall(callId);
    if (call) await quietly(ctx, () => ctx.pbx.stopMoh(call.agentChannel));
    if (call) await connectCall(ctx, callId, call.agentChannel);
    return;
  }
  if (['BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION'].includes(status)) await callbackFailed(ctx, callId, cbChannel);
}

/** The customer's leg left: before answering it is a failed try, after it the caller hung up. */
export async function onCallbackLegGone(ctx: AcdContext, callId: string, cbChannel: string): Promise<void> {
  const stay = await ctx.store.stayOf(callId);
  if (!stay) return;
  if (stay.callerChannel === cbChannel) await endCall(ctx, callId, 'caller');
  else if (stay.cbChannel === cbChannel) await callbackFailed(ctx, callId, cbChannel);
}

async function callbackFailed(ctx: AcdContext, callId: string, cbChannel: string): Promise<void> {
  const stay = await ctx.store.stayOf(callId);
  const queue = stay ? await ctx.store.getQueue(stay.queue) : undefined;
  const options = queue?.callback;
  await hangupQuietly(ctx, cbChannel);
  if (!stay || !options) return;
  const failure = await ctx.store.callbackFailed(callId, cbChannel, options.attempts);
  if (!failure) return;
  ctx.logger.info({ callId, ...failure }, 'callback try failed');
  await hangupQuietly(ctx, failure.agentChannel);
  if (failure.agentId) ctx.kick({ agentId: failure.agentId });
  if (failure.outcome === 'retry') {
    await ctx.timers.scheduleCaller({ what: 'callback', callId, joinSeq: stay.joinSeq, seq: failure.attempt }, options.retryDelayS * 1000);
  }
}

/**
 * Reconcile of a callback call with no customer on the line yet (the caller channel is ''):
 * waiting needs nothing (a parked one has its retry timer); an offer whose agent answered while
 * we were away goes on with the customer leg's state, or calls the customer now.
 */
export async function repairCallback(ctx: AcdContext, callId: string, inApp: ReadonlyMap<string, ChannelInfo>): Promise<string> {
  const stay = await ctx.store.stayOf(callId);
  if (!stay || stay.state !== 'offering') return 'callback waiting';
  const call = await ctx.store.getCall(callId);
  const agentLeg = call ? inApp.get(call.agentChannel) : undefined;
  if (!call || !agentLeg) return 'callback offer: agent leg reports on its own';
  if (agentLeg.state !== 'Up') return 'callback offer ringing';
  const customer = stay.cbChannel ? inApp.get(stay.cbChannel) : undefined;
  if (!customer) {
    if (stay.cbChannel) await callbackFailed(ctx, callId, stay.cbChannel);
    else await connectCall(ctx, callId, agentLeg.id);
    return 'callback: customer leg gone or never started';
  }
  if (customer.state === 'Up') await onCallbackDialProgress(ctx, callId, customer.id, 'ANSWER');
  else if (customer.state === 'Down') await onCallbackLegInStasis(ctx, customer, callId);
  return 'callback: customer leg ' + customer.state;
}

/** Retry delay over (timer seq = the failed attempt): the call takes its place again. */
export async function onCallbackTimer(ctx: AcdContext, job: CallerTimerJob): Promise<void> {
  const queue = await ctx.store.callbackRequeue(job.callId, job.seq);
  if (queue) ctx.kick({ queue });
}
