/** An agent's consult to a queue is a call of its own in that queue, but no customer call: statistics skip it. */
import { describe, expect, it } from 'vitest';
import { consultCallId } from '../../src/domain/idPrefixes.js';
import type { AcdEvent } from '../../src/domain/events.js';
import { project } from '../../src/stats/projection.js';

const T = Date.UTC(2026, 10, 21, 14, 30);
const ctx = { serviceLevelMs: () => 20_000, mark: () => ({ status: 'busy', since: T - 1000, lastQueue: 'sales' }) };
const consult = consultCallId('1');
const events = (callId: string): AcdEvent[] => [
  { type: 'QueueCallerJoin', ts: T, callId, queue: 'support', position: 1, callerNumber: '', callerName: '', priority: 0 },
  { type: 'AgentConnect', ts: T, callId, queue: 'support', agentId: 'a3', waitMs: 5000, ringMs: 100, bridgeId: 'b' },
  { type: 'AgentComplete', ts: T, callId, queue: 'support', agentId: 'a3', talkMs: 9000, waitMs: 5000, reason: 'agent' },
  { type: 'QueueCallerAbandon', ts: T, callId, queue: 'support', waitMs: 5000, agentId: '' },
];

describe('stats of consult calls', () => {
  it('count nothing for a consult call, unlike the same events of a customer call', () => {
    for (const e of events(consult)) expect(project(e, ctx).increments).toEqual([]);
    for (const e of events('c1')) expect(project(e, ctx).increments.length).toBeGreaterThan(0);
  });

  it('still follow the agent states around it (wrap-up, breaks)', () => {
    const status: AcdEvent = { type: 'AgentStatus', ts: T, agentId: 'a3', status: 'after_call_work', previous: 'busy', reason: '', callId: consult, by: 'system' };
    expect(project(status, ctx).mark).toMatchObject({ agentId: 'a3', mark: { status: 'after_call_work' } });
  });
});
