/**
 * After-call work, both ends: starting its timer when a call leaves an agent, and ending it when
 * the timer fires (or the start-up sweep finds it due). Every call path goes through these two,
 * so "schedule wrap-up or kick" and "end wrap-up, then kick" each exist once.
 */
import type { AcdContext } from './context.js';

export interface WrapupStart {
  agentId: string;
  version: number;
  seconds: number;
}

/**
 * An agent left a call: its wrap-up timer starts when the store put it in after-call work,
 * otherwise it is ready (or not ready) already and the router is asked for its next call.
 */
export async function agentLeftCall(ctx: Pick<AcdContext, 'timers' | 'kick'>, agentId: string | undefined, wrapup: WrapupStart | undefined): Promise<void> {
  if (wrapup) await ctx.timers.scheduleWrapup(wrapup.agentId, wrapup.version, wrapup.seconds * 1000);
  else if (agentId) ctx.kick({ agentId });
}

/** Ends the wrap-up of (agent, version) if still current (fenced in the store) and offers the agent calls. */
export async function endWrapup(ctx: Pick<AcdContext, 'store' | 'kick'>, agentId: string, version: number): Promise<boolean> {
  const ended = await ctx.store.endWrapup(agentId, version);
  if (ended) ctx.kick({ agentId });
  return ended;
}
