/**
 * The router: asks the store for routing decisions and starts an agent leg for each.
 * The decision itself (which caller, which agent, reserve) is one Lua script; this module only
 * decides when to ask. Kicks for the same trigger coalesce: while one drain runs, further kicks
 * just ask it to run once more, so a burst of events costs one extra decision, not one each.
 */
import { randomUUID } from 'node:crypto';
import type { AcdContext } from './context.js';
import { offerToAgent } from './agentLeg.js';

export type RouteTrigger = { queue: string } | { agentId: string };

const keyOf = (t: RouteTrigger) => ('queue' in t ? `q:${t.queue}` : `a:${t.agentId}`);

export const newAgentChannelId = () => `acd-agent-${randomUUID()}`;

export class Router {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(private readonly ctx: AcdContext) {}

  kick(trigger: RouteTrigger): void {
    const key = keyOf(trigger);
    const current = this.running.get(key);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = this.drain(trigger, state)
      .catch((err) => this.ctx.logger.error({ err, trigger }, 'routing failed'))
      .finally(() => this.running.delete(key));
    this.running.set(key, state);
  }

  /** Resolves when no routing is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((s) => s.done));
  }

  private async drain(trigger: RouteTrigger, state: { again: boolean }): Promise<void> {
    const ctx = this.ctx;
    do {
      state.again = false;
      for (;;) {
        const assignment = await ctx.store.assign(trigger, newAgentChannelId());
        if (!assignment) break;
        ctx.logger.info({ callId: assignment.callId, agentId: assignment.agentId, queue: assignment.queue }, 'call assigned');
        void ctx.locks
          .run(assignment.callId, () => offerToAgent(ctx, assignment))
          .catch((err) => ctx.logger.error({ err, callId: assignment.callId }, 'offer failed unexpectedly'));
        // An agent takes one call at a time; a queue keeps matching while it has both.
        if ('agentId' in trigger) break;
      }
    } while (state.again);
  }
}
