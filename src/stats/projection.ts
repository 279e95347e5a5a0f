/**
 * What each event adds to the statistics (pure). Counters are kept per queue and per agent in
 * hour buckets (UTC hours, from the event's own timestamp, so a replay lands in the same bucket):
 *
 *   queue: offered (TC), answered, answeredInSl, abandoned, abandonedInSl, waitMsAnswered,
 *          waitMsAbandoned, completed, talkMs, wrapupMs
 *   agent: answered, completed, talkMs, wrapupMs, breakMs, breaks
 *   queue also: breakMs, breaks of its members (each break counts in every queue of the agent), so
 *          a queue's average break time reads O(1) rows, not one per member
 *
 * Durations of agent states (break = not_ready, wrap-up = after_call_work) need the time the
 * previous state began: the projector keeps one mark per agent (status, since, queue of its last
 * call) and updates it with every AgentStatus.
 */
import { isConsultCall } from '../domain/idPrefixes.js';
import type { AcdEvent } from '../domain/events.js';

export const HOUR_MS = 3_600_000;

export interface Increment {
  kind: 'q' | 'a';
  id: string;
  field: string;
  by: number;
}

export interface AgentMark {
  status: string;
  since: number;
  /** Queue of the agent's last completed call: its wrap-up time counts there. */
  lastQueue: string;
}

export interface Projection {
  hour: number;
  increments: Increment[];
  /** New mark for this agent, when the event changes it. */
  mark?: { agentId: string; mark: AgentMark };
}

export interface ProjectionContext {
  serviceLevelMs(queue: string): number;
  mark(agentId: string): AgentMark | undefined;
  /** Queues the agent is a member of now (its breaks count there too); none when absent. */
  queuesOf?(agentId: string): string[];
}

export const hourOf = (ts: number): number => Math.floor(ts / HOUR_MS) * HOUR_MS;

export function project(event: AcdEvent, ctx: ProjectionContext): Projection {
  const increments: Increment[] = [];
  const q = (id: string, field: string, by = 1) => increments.push({ kind: 'q', id, field, by });
  const a = (id: string, field: string, by = 1) => increments.push({ kind: 'a', id, field, by });
  const result: Projection = { hour: hourOf(event.ts), increments };
  // An agent's consult to a queue waits there as a call of its own: no customer call.
  if (event.type !== 'AgentStatus' && 'callId' in event && isConsultCall(event.callId)) return result;

  switch (event.type) {
    case 'QueueCallerJoin':
      q(event.queue, 'offered');
      break;
    case 'AgentConnect': {
      q(event.queue, 'answered');
      q(event.queue, 'waitMsAnswered', event.waitMs);
      if (event.waitMs <= ctx.serviceLevelMs(event.queue)) q(event.queue, 'answeredInSl');
      a(event.agentId, 'answered');
      break;
    }
    case 'QueueCallerAbandon':
      q(event.queue, 'abandoned');
      q(event.queue, 'waitMsAbandoned', event.waitMs);
      if (event.waitMs <= ctx.serviceLevelMs(event.queue)) q(event.queue, 'abandonedInSl');
      break;
    case 'AgentComplete': {
      q(event.queue, 'completed');
      q(event.queue, 'talkMs', event.talkMs);
      a(event.agentId, 'completed');
      a(event.agentId, 'talkMs', event.talkMs);
      const previous = ctx.mark(event.agentId);
      result.mark = { agentId: event.agentId, mark: { status: previous?.status ?? 'busy', since: previous?.since ?? event.ts, lastQueue: event.queue } };
      break;
    }
    case 'AgentStatus': {
      const previous = ctx.mark(event.agentId);
      if (previous && previous.status === event.previous) {
        const spent = Math.max(0, event.ts - previous.since);
        if (event.previous === 'not_ready') {
          a(event.agentId, 'breakMs', spent);
          a(event.agentId, 'breaks');
          for (const queue of ctx.queuesOf?.(event.agentId) ?? []) {
            q(queue, 'breakMs', spent);
            q(queue, 'breaks');
          }
        } else if (event.previous === 'after_call_work') {
          a(event.agentId, 'wrapupMs', spent);
          if (previous.lastQueue) q(previous.lastQueue, 'wrapupMs', spent);
        }
      }
      result.mark = { agentId: event.agentId, mark: { status: event.status, since: event.ts, lastQueue: previous?.lastQueue ?? '' } };
      break;
    }
    default:
      break;
  }
  return result;
}
