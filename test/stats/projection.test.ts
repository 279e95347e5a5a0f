import { describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { type AgentMark, HOUR_MS, project } from '../../src/stats/projection.js';

const T = Date.UTC(2026, 10, 21, 14, 30);
const ctx = (marks: Record<string, AgentMark> = {}) => ({ serviceLevelMs: () => 20_000, mark: (id: string) => marks[id] });
const fields = (event: AcdEvent, marks?: Record<string, AgentMark>) =>
  Object.fromEntries(project(event, ctx(marks)).increments.map((i) => [`${i.kind}:${i.id}:${i.field}`, i.by]));

describe('stats projection', () => {
  it('buckets by the UTC hour of the event', () => {
    expect(project({ type: 'QueueCallerJoin', ts: T, callId: 'c', queue: 'q', position: 1, callerNumber: '', callerName: '', priority: 0 }, ctx()).hour).toBe(Date.UTC(2026, 10, 21, 14));
    expect(HOUR_MS).toBe(3_600_000);
  });

  it('counts answers within the service level and abandons, with their waits', () => {
    const connect = (waitMs: number): AcdEvent => ({ type: 'AgentConnect', ts: T, callId: 'c', queue: 'q', agentId: 'a', waitMs, ringMs: 0, bridgeId: 'b' });
    expect(fields(connect(20_000))).toEqual({ 'q:q:answered': 1, 'q:q:waitMsAnswered': 20_000, 'q:q:answeredInSl': 1, 'a:a:answered': 1 });
    expect(fields(connect(20_001))).not.toHaveProperty('q:q:answeredInSl');
    expect(fields({ type: 'QueueCallerAbandon', ts: T, callId: 'c', queue: 'q', waitMs: 5_000, agentId: '' })).toEqual({
      'q:q:abandoned': 1,
      'q:q:waitMsAbandoned': 5_000,
      'q:q:abandonedInSl': 1,
    });
  });

  it('measures break and wrap-up from the previous status change, wrap-up counted in the last call\'s queue', () => {
    const status = (previous: string, status: string, ts: number): AcdEvent =>
      ({ type: 'AgentStatus', ts, agentId: 'a', status, previous, reason: '', callId: '', by: 't' }) as AcdEvent;
    expect(fields(status('not_ready', 'ready', T + 60_000), { a: { status: 'not_ready', since: T, lastQueue: '' } })).toEqual({ 'a:a:breakMs': 60_000, 'a:a:breaks': 1 });
    expect(fields(status('after_call_work', 'ready', T + 7_000), { a: { status: 'after_call_work', since: T, lastQueue: 'sales' } })).toEqual({
      'a:a:wrapupMs': 7_000,
      'q:sales:wrapupMs': 7_000,
    });
    // A break also counts in every queue the agent serves (a queue's ABT reads no agent rows).
    const breakEnd = project(status('not_ready', 'ready', T + 60_000), { ...ctx({ a: { status: 'not_ready', since: T, lastQueue: '' } }), queuesOf: () => ['sales', 'support'] });
    expect(Object.fromEntries(breakEnd.increments.map((i) => [`${i.kind}:${i.id}:${i.field}`, i.by]))).toEqual({
      'a:a:breakMs': 60_000,
      'a:a:breaks': 1,
      'q:sales:breakMs': 60_000,
      'q:sales:breaks': 1,
      'q:support:breakMs': 60_000,
      'q:support:breaks': 1,
    });
    // No mark (or a mark of another status): nothing measured, the mark starts now.
    const first = project(status('not_ready', 'ready', T), ctx());
    expect(first.increments).toEqual([]);
    expect(first.mark).toEqual({ agentId: 'a', mark: { status: 'ready', since: T, lastQueue: '' } });
  });

  it('adds talk time on completion and remembers the queue', () => {
    const done = project({ type: 'AgentComplete', ts: T, callId: 'c', queue: 'sales', agentId: 'a', talkMs: 90_000, waitMs: 0, reason: 'agent' }, ctx({ a: { status: 'busy', since: T - 1, lastQueue: '' } }));
    expect(done.increments).toContainEqual({ kind: 'q', id: 'sales', field: 'talkMs', by: 90_000 });
    expect(done.mark?.mark).toEqual({ status: 'busy', since: T - 1, lastQueue: 'sales' });
  });
});
