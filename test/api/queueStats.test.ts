import { describe, expect, it } from 'vitest';
import { queueStatuses, withPositions } from '../../src/api/queueStats.js';
import type { AgentSnapshot, AgentStatus } from '../../src/domain/agent.js';
import type { CallSnapshot, CallState } from '../../src/domain/call.js';
import { statusCounts } from '../../src/stats/figures.js';
import type { QueueLoad } from '../../src/store/countOps.js';
import { queueDef } from '../helpers/store.js';

const agent = (id: string, status: AgentStatus, queues: string[]): AgentSnapshot => ({
  id, name: id, status, reason: '', since: 0, endpoint: '', callId: '', version: 1, queues, callsTaken: 0,
});
const call = (id: string, queue: string, state: CallState, joinedAt: number): CallSnapshot => ({
  id, queue, state, callerChannel: '', callerNumber: '', callerName: '', priority: 0, joinedAt,
  agentId: '', agentChannel: '', bridgeId: '', answeredAt: 0, node: 'n',
});

describe('queueStatuses', () => {
  it('counts waiting callers, the longest wait and the agents of each queue by status', () => {
    const now = 100_000;
    const agents = [agent('1', 'ready', ['a']), agent('2', 'busy', ['a', 'b']), agent('3', 'logged_out', ['a']), agent('4', 'ringing', ['b']), agent('5', 'reserved', ['b'])];
    const calls = [call('c1', 'a', 'waiting', 90_000), call('c2', 'a', 'waiting', 95_000), call('c3', 'a', 'connected', 10_000), call('c4', 'b', 'offering', 1)];
    const load = (queue: string): QueueLoad => ({
      queue,
      byStatus: statusCounts(agents.filter((x) => x.queues.includes(queue))),
      notReadyByReason: {},
      calls: calls.filter((c) => c.queue === queue),
    });
    const [a, b] = queueStatuses([queueDef('a'), queueDef('b')], [load('a'), load('b')], now);
    expect(a).toMatchObject({ id: 'a', waiting: 2, longestWaitMs: 10_000, agents: { loggedIn: 2, byStatus: { ready: 1, busy: 1, ringing: 0 } } });
    expect(b).toMatchObject({ id: 'b', waiting: 0, longestWaitMs: 0, agents: { loggedIn: 3, byStatus: { busy: 1, ringing: 1, reserved: 1, ready: 0 } } });
  });
});

describe('withPositions', () => {
  it('numbers calls from 1 in the given order with their wait', () => {
    const out = withPositions([call('x', 'a', 'waiting', 700), call('y', 'a', 'waiting', 400)], 1_000);
    expect(out.map((c) => [c.id, c.position, c.waitMs])).toEqual([
      ['x', 1, 300],
      ['y', 2, 600],
    ]);
  });
});
