/**
 * Manual answer, for agents defined with `manualAnswer: true` (typically headset agents whose
 * phone auto-answers): an offer is shown on the desktop (`call.offered`) and its agent leg is
 * created as usual, but the leg is dialed only when the agent sends `answer`; the call then
 * connects through the normal offer flow. No `answer` within the queue's ring timeout → a fenced
 * BullMQ timer fails the offer as a ring-no-answer (RONA), like a phone that rang out.
 * Where an offer is lives in Redis per agent channel (held → dialed, or answer when the agent
 * was quicker than the leg's StasisStart), so a reconnect or another instance sees the same.
 */
import { AcdError } from '../../domain/errors.js';
import { dialAgentLeg, failOffer } from '../agentLeg.js';
import type { AcdContext } from '../context.js';
import { invalidState, type CallTarget } from './calls.js';

/** Long enough for any ring timeout plus the leg's set-up; the offer is over by then. */
const stateTtlMs = (ringTimeoutS: number) => (ringTimeoutS + 60) * 1000;

/**
 * The agent leg is in Stasis: true when it must wait for the agent's `answer` (the timer for the
 * ring timeout is set), false when it is to be dialed now (automatic answer, or answered already).
 */
export async function holdForAnswer(ctx: AcdContext, callId: string, agentChannel: string, agentId: string, ringTimeoutS: number): Promise<boolean> {
  if (!(await ctx.store.answersManually(agentId))) return false;
  const state = await ctx.store.getAnswerState(agentChannel);
  if (state === 'answer') {
    await ctx.store.setAnswerState(agentChannel, 'dialed', stateTtlMs(ringTimeoutS));
    return false;
  }
  if (state === 'dialed') return false;
  await ctx.store.setAnswerState(agentChannel, 'held', stateTtlMs(ringTimeoutS));
  await ctx.timers.scheduleControl({ what: 'answer', id: callId, fence: agentChannel }, ringTimeoutS * 1000);
  ctx.logger.info({ callId, agentId, agentChannel }, 'offer waits for the agent to answer');
  return true;
}

/** The agent's `answer`: its offered call's leg is dialed (or will be, once it is in Stasis). */
export async function answerOffer(ctx: AcdContext, t: CallTarget): Promise<void> {
  const agent = await ctx.store.getAgent(t.agentId);
  if (!agent) throw new AcdError('agent_not_found', `agent '${t.agentId}' does not exist`, { field: 'agentId' });
  const callId = agent.callId;
  if (!callId || (t.callId && t.callId !== callId)) throw invalidState(`answer: agent ${t.agentId} is ${agent.status} and has no offered call${t.callId ? ` '${t.callId}'` : ''}`);
  await ctx.locks.run(callId, async () => {
    const call = await ctx.store.getCall(callId);
    const offer = call?.state === 'offering' ? (await ctx.store.callOffers(callId)).find((o) => o.agentId === t.agentId) : undefined;
    if (!call || !offer) throw invalidState(`answer: agent ${t.agentId} has no offered call`);
    if (!(await ctx.store.answersManually(t.agentId))) throw invalidState(`answer: agent ${t.agentId} is not configured for manual answer`);
    const ringTimeoutS = (await ctx.store.getQueue(call.queue))?.ringTimeoutS ?? 15;
    const state = await ctx.store.getAnswerState(offer.agentChannel);
    if (state === 'answer' || state === 'dialed') throw invalidState(`answer: call ${callId} is answered already`);
    ctx.logger.info({ callId, agentId: t.agentId, by: t.by }, 'agent answered on its desktop');
    // Before its StasisStart the leg cannot be dialed yet: that handler dials it (holdForAnswer).
    if (state === undefined) return ctx.store.setAnswerState(offer.agentChannel, 'answer', stateTtlMs(ringTimeoutS));
    await ctx.store.setAnswerState(offer.agentChannel, 'dialed', stateTtlMs(ringTimeoutS));
    await dialAgentLeg(ctx, callId, call.callerChannel, offer.agentChannel, ringTimeoutS);
  });
}

/** The ring timeout of a held offer: no `answer` came, so it fails as a ring-no-answer (fenced by the leg). */
export async function answerTimedOut(ctx: AcdContext, callId: string, agentChannel: string): Promise<void> {
  await ctx.locks.run(callId, async () => {
    if ((await ctx.store.getAnswerState(agentChannel)) !== 'held') return;
    ctx.logger.info({ callId, agentChannel }, 'manual answer timed out');
    await failOffer(ctx, callId, agentChannel, 'noanswer');
  });
}
