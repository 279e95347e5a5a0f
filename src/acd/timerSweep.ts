/**
 * Start-up repair of timers: jobs that used up their retries run again (their handlers are
 * fenced, so a late run is harmless), and every agent in after-call work gets its wrap-up timer
 * back. An agent in wrap-up with no timer at all (the engine stopped between the call's end
 * and scheduling it, or the job was lost) has its wrap-up ended now: it must never stay in
 * after-call work for ever. Cost: one pass over the agents, at start only.
 */
import type { AcdContext } from './context.js';
import { endWrapup } from './wrapup.js';

export async function sweepTimers(ctx: Pick<AcdContext, 'store' | 'timers' | 'kick' | 'logger'>): Promise<void> {
  await ctx.timers.retryFailed();
  for (const agent of await ctx.store.listAgents()) {
    if (agent.status !== 'after_call_work' || (await ctx.timers.ensureWrapup(agent.id, agent.version))) continue;
    if (await endWrapup(ctx, agent.id, agent.version)) ctx.logger.warn({ agentId: agent.id }, 'wrap-up without a timer ended at start');
  }
}
