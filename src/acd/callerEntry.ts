/**
 * Step 1 of a caller's journey: the caller's channel entered Stasis(acd,<queue>,...).
 * Join the queue in Redis (which may refuse: FULL, JOINEMPTY — then the queue's overflow queue is
 * tried, else the caller continues in the dialplan unanswered with QUEUESTATUS set), answer, hold
 * media and the wait timers, then ask the router for an agent.
 * Replaying it (reconcile after a restart) is harmless: enqueue is idempotent by call id, and
 * the wait timers (which survive restarts) are only scheduled when the call was created or its
 * entry never finished (timer job ids make scheduling them twice a no-op).
 * The entry is recorded in Redis before the first PBX request that changes anything (with the
 * join, in the same script; reads of the caller's variables come before) and cleared once the caller is
 * queued or back in the dialplan: a PBX fault in between is retried here, and an entry still
 * unfinished is finished by src/acd/entryRepair.ts, so no caller stays in Stasis unqueued.
 */
import type { QueueDef } from '../domain/queue.js';
import type { RouteResult } from '../store/types.js';
import type { ChannelInfo } from '../pbx/port.js';
import { isPbxError } from '../pbx/port.js';
import { requirementsFromChannel } from './callerSkills.js';
import type { AcdContext } from './context.js';
import { resumeHoldMedia } from './holdMedia.js';
import { continueWithStatus } from './queueExit.js';
import { parseStasisArgs, type StasisEntry } from './stasisArgs.js';
import { enterWaitExperience } from './waitExperience.js';
import { newAgentChannelId, routedOnJoin } from './router.js';

/** The call id is the caller's channel id: deterministic, so a replayed StasisStart finds the same call. */
export const callIdOf = (callerChannelId: string) => callerChannelId;

/** Sends a caller the engine will not queue back to the dialplan, with the reason in channel variables. */
async function rejectToDialplan(ctx: AcdContext, channelId: string, status: string, reason: string): Promise<void> {
  ctx.logger.warn({ channelId, status, reason }, 'caller not queued; continuing in dialplan');
  await continueWithStatus(ctx, channelId, status, { ACD_ERROR: reason });
}

/** What the agent's desktop is shown with the offer: the Stasis options, then the configured channel variables. */
async function offerVariablesOf(ctx: AcdContext, channelId: string, options: Record<string, string>): Promise<Record<string, string>> {
  const variables = { ...options };
  try {
    for (const name of ctx.settings.offerVariables ?? []) {
      const value = await ctx.pbx.getVariable(channelId, name);
      if (value !== undefined) variables[name] = value;
    }
  } catch (err) {
    // The caller already left: its StasisEnd ends the call.
    if (!isPbxError(err, 'not_found')) throw err;
  }
  return variables;
}

/** A PBX fault that may pass (no answer in time, 5xx): worth trying the entry again. */
const isTransient = (err: unknown) => isPbxError(err, 'unavailable') || isPbxError(err, 'server');

export async function handleCallerEntry(ctx: AcdContext, channel: ChannelInfo, args: string[]): Promise<void> {
  const entry = parseStasisArgs(args);
  if (entry.role !== 'caller' && entry.role !== 'invalid') return;
  for (let attempt = 0; ; attempt++) {
    try {
      // A retry finishes an entry begun: the caller may be queued already but not answered.
      await enter(ctx, channel, entry, attempt > 0);
      break;
    } catch (err) {
      // The record stays: entryRepair.ts finishes the entry later.
      if (!isTransient(err) || attempt >= ctx.settings.entryRetries) throw err;
      const delayMs = ctx.settings.entryRetryDelayMs * 2 ** attempt;
      ctx.logger.warn({ err, channelId: channel.id, attempt, delayMs }, 'caller entry hit a PBX fault; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  await ctx.store.finishEntry(ctx.nodeId, channel.id);
}

async function enter(ctx: AcdContext, channel: ChannelInfo, entry: Extract<StasisEntry, { role: 'caller' | 'invalid' }>, retry: boolean): Promise<void> {
  if (entry.role === 'invalid') {
    await ctx.store.recordEntry(ctx.nodeId, channel.id);
    return rejectToDialplan(ctx, channel.id, 'INVALID', entry.reason);
  }
  // Reads only, one round trip: the queue from Redis, the caller's variables from the PBX.
  const [found, skills, variables] = await Promise.all([
    ctx.store.getQueue(entry.queue),
    requirementsFromChannel(ctx, channel.id, entry, channel.variables),
    offerVariablesOf(ctx, channel.id, entry.options),
  ]);
  let queue = found;
  if (!queue) {
    await ctx.store.recordEntry(ctx.nodeId, channel.id);
    return rejectToDialplan(ctx, channel.id, 'UNKNOWN', `no queue '${entry.queue}'`);
  }

  const callId = callIdOf(channel.id);
  const tried = new Set<string>();
  // An entry recorded already (an earlier attempt's, or before a restart) may have been cut
  // short: the stay's timers are set up again (scheduling them twice is a no-op).
  let unfinished = retry;
  for (;;) {
    // The entry is recorded with the first join, before any PBX request that changes anything.
    const recordEntry = tried.size === 0;
    tried.add(queue.id);
    const joined = await ctx.store.enqueue({
      callId,
      queue: queue.id,
      callerChannel: channel.id,
      callerNumber: channel.callerNumber,
      callerName: channel.callerName,
      priority: entry.priority,
      node: ctx.nodeId,
      skills,
      variables,
      recordEntry,
      // The queue's routing decision comes with the join (one round trip less, issue 12).
      routeWith: newAgentChannelId(),
    });
    if (recordEntry) unfinished ||= joined.entryRecordedBefore === true;
    if (!joined.rejected) return startWaiting(ctx, channel, queue, { ...joined, created: joined.created || unfinished }, joined.route);
    const overflow: QueueDef | undefined = queue.overflowQueue && !tried.has(queue.overflowQueue) ? await ctx.store.getQueue(queue.overflowQueue) : undefined;
    ctx.logger.info({ callId, queue: queue.id, status: joined.rejected, overflow: overflow?.id }, 'queue refused the caller');
    if (!overflow) return continueWithStatus(ctx, channel.id, joined.rejected);
    queue = overflow;
  }
}

async function startWaiting(ctx: AcdContext, channel: ChannelInfo, queue: QueueDef, joined: { position: number; created: boolean; joinSeq?: number }, decision: RouteResult | undefined): Promise<void> {
  const callId = callIdOf(channel.id);
  const log = ctx.logger.child({ callId, queue: queue.id });
  // Routing starts while the caller is answered (issue 12): an agent leg originated meanwhile
  // rings at once (agentLeg.ts startOffer); its answer is bridged, under this call's lock, once
  // this entry is done. The join decided already, unless it was a replay.
  let routing: Promise<void> | undefined;
  if (decision) routing = routedOnJoin(ctx, queue.id, decision).catch((err: unknown) => log.error({ err }, 'routing failed'));
  else ctx.kick({ queue: queue.id });
  try {
    // A call created now knows its stay; a replay reads where the call is (it may have overflowed meanwhile).
    const [, stay] = await Promise.all([
      channel.state !== 'Up' ? ctx.pbx.answer(channel.id) : undefined,
      joined.joinSeq !== undefined ? { queue: queue.id, joinSeq: joined.joinSeq } : ctx.store.stayOf(callId),
    ]);
    const offered = decision?.assignments.some((a) => a.callId === callId) === true;
    if (joined.created && stay) await enterWaitExperience(ctx, callId, channel.id, queue, stay.joinSeq, offered);
    // A replay (reconcile) keeps the timers it already has; the call may have overflowed meanwhile.
    else await resumeHoldMedia(ctx, channel.id, stay ? await ctx.store.getQueue(stay.queue) : queue);
  } catch (err) {
    // The caller hung up before we could answer: its StasisEnd (queued behind us) ends the call.
    if (isPbxError(err, 'not_found')) return log.info('caller gone before being answered');
    throw err;
  } finally {
    await routing;
  }
  log.info({ position: joined.position, created: joined.created, caller: channel.callerNumber }, 'caller queued');
}
