/**
 * The router: asks the store for routing decisions and starts an agent leg for each offer.
 * The decision itself (which caller, which agent(s), reserve) is one Lua script; this module only
 * decides when to ask. Kicks for the same trigger coalesce: while one drain runs, further kicks
 * just ask it to run once more, so a burst of events costs one extra decision, not one each.
 * Time-driven routing uses timers: a queue is tried again when a waiting caller's rules relax
 * (the store says when), and ring-progressively adds one ringing agent per step.
 */
import { randomUUID } from 'node:crypto';
import type { Assignment, RouteResult } from '../store/types.js';
import { agentLegId } from '../domain/idPrefixes.js';
import type { AcdContext } from './context.js';
import { offerToAgent, startOffer } from './agentLeg.js';
import type { RoutingTimerJob } from './timers.js';

export type RouteTrigger = { queue: string } | { agentId: string };

const keyOf = (t: RouteTrigger) => ('queue' in t ? `q:${t.queue}` : `a:${t.agentId}`);

export const newAgentChannelId = () => agentLegId(randomUUID());

/** ring-progressively: the next step is due `ringStepS` after the latest offer. */
async function scheduleNextStep(ctx: AcdContext, a: Assignment): Promise<void> {
  if (a.ringStepS && a.round) await ctx.timers.scheduleRingNext(a.callId, a.round, a.ringStepS);
}

/** Starts the agent legs of one routing decision (several for ringall); see startOffer for the call's lock. */
function startOffers(ctx: AcdContext, assignments: Assignment[]): void {
  for (const a of assignments) {
    ctx.logger.info({ callId: a.callId, agentId: a.agentId, queue: a.queue, agentChannel: a.agentChannel }, 'call assigned');
    const lone = assignments.every((other) => other === a || other.callId !== a.callId);
    void startOffer(ctx, a, lone).catch((err) => ctx.logger.error({ err, callId: a.callId }, 'offer failed unexpectedly'));
  }
  const last = assignments[assignments.length - 1];
  scheduleNextStep(ctx, last).catch((err) => ctx.logger.error({ err, callId: last.callId }, 'ring step timer not scheduled'));
}

/**
 * Acts on a queue's routing decision: its offers start; true when callers are left to match
 * (ask again). No offer: the queue is tried again when a waiting caller's rules relax.
 */
async function actOnQueueDecision(ctx: AcdContext, queue: string, { assignments, retryAt, waitingLeft }: RouteResult): Promise<boolean> {
  if (assignments.length === 0) {
    if (retryAt !== undefined) await ctx.timers.scheduleRoute(queue, retryAt);
    return false;
  }
  startOffers(ctx, assignments);
  return waitingLeft !== 0;
}

/**
 * The routing decision made by a caller's join (the enqueue script ran it, one round trip less
 * than a kick, issue 12). Callers left to match go to the router as a kick would.
 */
export async function routedOnJoin(ctx: AcdContext, queue: string, decision: RouteResult): Promise<void> {
  if (await actOnQueueDecision(ctx, queue, decision)) ctx.kick({ queue });
}

/** A routing timer fired (see timers.ts RoutingTimerJob). */
export async function onRoutingTimer(ctx: AcdContext, job: RoutingTimerJob): Promise<void> {
  if (job.kind === 'route') return ctx.kick({ queue: job.queue });
  await ctx.locks.run(job.callId, async () => {
    const next = await ctx.store.offerMore(job.callId, job.round, newAgentChannelId());
    if (!next) return; // answered, back to waiting, or a later step already ran
    if (next.assignment) {
      ctx.logger.info({ callId: job.callId, agentId: next.assignment.agentId, round: next.round }, 'one more agent rings');
      await offerToAgent(ctx, next.assignment, false);
    }
    await ctx.timers.scheduleRingNext(job.callId, next.round, job.stepS);
  });
}

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
    this.running.set(key, state);
    state.done = this.drain(trigger, state, key).catch((err) => this.ctx.logger.error({ err, trigger }, 'routing failed'));
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Resolves when no routing is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((s) => s.done));
  }

  /**
   * Forgets the drain in the same synchronous step that saw no further kick (the `finally` runs
   * right after the last check): a kick landing later, even from a Redis reply resolved in the
   * same tick, starts a new drain instead of being lost.
   */
  private async drain(trigger: RouteTrigger, state: { again: boolean }, key: string): Promise<void> {
    const ctx = this.ctx;
    try {
      do {
        state.again = false;
        for (;;) {
          const decision = await ctx.store.route(trigger, newAgentChannelId());
          if ('agentId' in trigger) {
            // An agent takes one call at a time.
            if (decision.assignments.length > 0) startOffers(ctx, decision.assignments);
            break;
          }
          // A queue keeps matching while callers wait (a caller joining meanwhile kicks, which runs the loop again).
          if (!(await actOnQueueDecision(ctx, trigger.queue, decision))) break;
        }
      } while (state.again);
    } finally {
      this.running.delete(key);
    }
  }
}
