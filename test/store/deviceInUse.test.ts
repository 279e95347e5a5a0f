import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { pinClock } from '../../src/store/clock.js';
import { agentDef, by, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

// ringInUse (app_queue ringinuse): an agent whose phone is in use outside the ACD stays ready but
// is not offered the calls of queues with ringInUse false. Invariants are checked after each test.
let t: TestStore;
beforeEach(async () => {
  t = createTestStore();
  await t.store.upsertQueue(queueDef('strict', { ringInUse: false }));
  await t.store.upsertQueue(queueDef('lenient'));
});
afterEach(async () => {
  expect(await t.violations()).toEqual([]);
  await t.cleanup();
});

async function readyAgent(id: string, queues: string[]) {
  await t.store.upsertAgent(agentDef(id, queues));
  await t.store.login(id, undefined, { ...by, ready: true });
}
const deviceEvents = async (): Promise<AcdEvent[]> => (await t.store.readEvents('0')).map((e) => e.event).filter((e) => e.type === 'AgentDeviceState');

describe('setDeviceInUse', () => {
  it('keeps the agent ready, records the flag once and appends AgentDeviceState per change', async () => {
    await readyAgent('1001', ['strict']);
    expect(await t.store.setDeviceInUse('1001', true)).toBe(true);
    expect(await t.store.setDeviceInUse('1001', true)).toBe(false);
    expect(await t.violations()).toEqual([]);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', deviceInUse: true });
    expect(await t.store.setDeviceInUse('1001', false)).toBe(true);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', deviceInUse: false });
    expect(await deviceEvents()).toEqual([
      expect.objectContaining({ type: 'AgentDeviceState', agentId: '1001', inUse: true }),
      expect.objectContaining({ type: 'AgentDeviceState', agentId: '1001', inUse: false }),
    ]);
  });

  it('refuses an unknown agent', async () => {
    await expect(t.store.setDeviceInUse('nobody', true)).rejects.toMatchObject({ code: 'agent_not_found' });
    expect(await deviceEvents()).toEqual([]);
  });

  it('a ringInUse false queue skips the busy-phone agent for the next one, a default queue still offers it', async () => {
    const clock = await pinClock(t.redis, t.tenant);
    await readyAgent('1001', ['strict', 'lenient']);
    await clock.advance(5);
    await readyAgent('1002', ['strict']);
    await t.store.setDeviceInUse('1001', true);
    await t.store.enqueue(caller('c1', 'strict'));
    expect(await t.store.assign({ queue: 'strict' }, 'leg-1')).toMatchObject({ callId: 'c1', agentId: '1002' });
    await t.store.enqueue(caller('c2', 'lenient'));
    expect(await t.store.assign({ queue: 'lenient' }, 'leg-2')).toMatchObject({ callId: 'c2', agentId: '1001' });
  });

  it('the caller waits while the only agent is busy outside the ACD, and is offered once the phone is free', async () => {
    await readyAgent('1001', ['strict']);
    await t.store.setDeviceInUse('1001', true);
    await t.store.enqueue(caller('c1', 'strict'));
    expect(await t.store.assign({ queue: 'strict' }, 'leg-1')).toBeNull();
    // The agent-triggered decision (router kicked when the agent becomes ready) skips the queue too.
    expect(await t.store.assign({ agentId: '1001' }, 'leg-1')).toBeNull();
    expect((await t.store.getCall('c1'))?.state).toBe('waiting');
    await t.store.setDeviceInUse('1001', false);
    expect(await t.store.assign({ agentId: '1001' }, 'leg-1')).toMatchObject({ callId: 'c1', agentId: '1001' });
  });

  it('keeps the flag across status changes: a ready agent with a busy phone does not re-enter strict pools', async () => {
    await readyAgent('1001', ['strict', 'lenient']);
    await t.store.setDeviceInUse('1001', true);
    await t.store.setNotReady('1001', 'break', by);
    await t.store.setReady('1001', by);
    expect(await t.violations()).toEqual([]);
    await t.store.enqueue(caller('c1', 'strict'));
    expect(await t.store.assign({ queue: 'strict' }, 'leg-1')).toBeNull();
    // A not-ready agent's flag changes nothing in the pools, and is right when it comes back.
    await t.store.setNotReady('1001', 'break', by);
    await t.store.setDeviceInUse('1001', false);
    await t.store.setReady('1001', by);
    expect(await t.store.assign({ queue: 'strict' }, 'leg-1')).toMatchObject({ callId: 'c1', agentId: '1001' });
  });

  it('re-files pools when a queue switches ringInUse either way', async () => {
    await readyAgent('1001', ['lenient']);
    await t.store.setDeviceInUse('1001', true);
    await t.store.upsertQueue(queueDef('lenient', { ringInUse: false }));
    expect(await t.violations()).toEqual([]);
    await t.store.enqueue(caller('c1', 'lenient'));
    expect(await t.store.assign({ queue: 'lenient' }, 'leg-1')).toBeNull();
    await t.store.upsertQueue(queueDef('lenient', { ringInUse: true }));
    expect(await t.store.getQueue('lenient')).toMatchObject({ ringInUse: true });
    expect(await t.store.assign({ queue: 'lenient' }, 'leg-1')).toMatchObject({ callId: 'c1', agentId: '1001' });
  });

  it('membership changes respect the rule (joining a strict queue while the phone is busy)', async () => {
    await readyAgent('1001', ['lenient']);
    await t.store.setDeviceInUse('1001', true);
    await t.store.upsertAgent(agentDef('1001', ['lenient', 'strict']));
    expect(await t.violations()).toEqual([]);
    await t.store.enqueue(caller('c1', 'strict'));
    expect(await t.store.assign({ queue: 'strict' }, 'leg-1')).toBeNull();
  });
});
