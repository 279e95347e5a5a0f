/** Finding the call an agent command is about, and the errors when there is none. */
import type { CallSnapshot } from '../../domain/call.js';
import { AcdError } from '../../domain/errors.js';
import { isPbxError } from '../../pbx/port.js';
import type { CallControlEvent } from '../../store/controlOps.js';
import type { CallControlDetail } from '../../domain/events.js';
import type { ControlCallKind, ControlCallOf } from '../../domain/controlCall.js';
import type { AcdContext } from '../context.js';

export interface CallTarget {
  agentId: string;
  /** Optional: the call the client means; must be the agent's current call. */
  callId?: string;
  by: string;
}

export const invalidState = (message: string) => new AcdError('invalid_state', message);

/** The agent's current call when it is in one of `states`, else invalid_state. */
export async function agentCall(ctx: AcdContext, t: CallTarget, states: CallSnapshot['state'][], command: string): Promise<CallSnapshot> {
  const agent = await ctx.store.getAgent(t.agentId);
  if (!agent) throw new AcdError('agent_not_found', `agent '${t.agentId}' does not exist`, { field: 'agentId' });
  if (t.callId && t.callId !== agent.callId) throw invalidState(`${command}: call '${t.callId}' is not agent ${t.agentId}'s current call`);
  const call = agent.callId ? await ctx.store.getCall(agent.callId) : undefined;
  if (!call || call.agentId !== t.agentId || !states.includes(call.state)) {
    throw invalidState(`${command}: agent ${t.agentId} is ${agent.status} and has no ${states.join(' or ')} call`);
  }
  return call;
}

/** Runs `task` on the agent's call under the call's lock, re-reading the call inside it. */
export async function withAgentCall<T>(
  ctx: AcdContext,
  t: CallTarget,
  states: CallSnapshot['state'][],
  command: string,
  task: (call: CallSnapshot, control: Record<string, string>) => Promise<T>,
): Promise<T> {
  const first = await agentCall(ctx, t, states, command);
  return ctx.locks.run(first.id, async () => {
    const call = await agentCall(ctx, { ...t, callId: first.id }, states, command);
    try {
      return await task(call, await ctx.store.getControl(call.id));
    } catch (err) {
      // A party hung up under us: its StasisEnd (queued behind this step) ends the call.
      if (isPbxError(err, 'not_found')) throw invalidState(`${command}: the call ended meanwhile`);
      throw err;
    }
  });
}

export const controlEvent = (call: CallSnapshot, detail: CallControlDetail, by: string): CallControlEvent => ({
  type: 'CallControl',
  callId: call.id,
  agentId: call.agentId,
  by,
  ...detail,
});

/** Control call `id` when it is one of `kind`. */
export async function controlCallOf<K extends ControlCallKind>(ctx: AcdContext, id: string, kind: K): Promise<ControlCallOf<K> | undefined> {
  const r = await ctx.store.getControlCall(id);
  return r?.kind === kind ? (r as ControlCallOf<K>) : undefined;
}

/**
 * Runs `task` for each control call of `kind` this node handles, under the control call's lock,
 * on a fresh read (reconnect repair).
 */
export async function forOwnControlCalls<K extends ControlCallKind>(ctx: AcdContext, kind: K, task: (r: ControlCallOf<K>) => Promise<void>): Promise<void> {
  for (const listed of await ctx.store.listControlCalls()) {
    if (listed.kind !== kind || listed.node !== ctx.nodeId) continue;
    // One call that cannot be repaired must not leave the others unfollowed.
    await ctx.locks
      .run(`cc:${listed.id}`, async () => {
        const r = await controlCallOf(ctx, listed.id, kind);
        if (r) await task(r);
      })
      .catch((err: unknown) => ctx.logger.error({ err, id: listed.id }, 'control call repair failed'));
  }
}
