/**
 * Issue 14: ending a call never waits for the hang-up-cause grace when ChannelDestroyed already
 * told the cause. The grace here is far longer than any wait below, so a call that waited for it
 * could not end in time and the test fails.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HangupCauses } from '../../src/acd/hangupCauses.js';
import { HANDLED_ARI_EVENT_TYPES } from '../../src/pbx/ari/normalize-event.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

const HOUR_MS = 3_600_000;
const AUTH = `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`;

describe('hang-up causes already known', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles at once when ChannelDestroyed came before the settle, without any timer running', async () => {
    vi.useFakeTimers();
    const causes = new HangupCauses();
    causes.noteDestroyed('leg', 16);
    // With fake timers the grace timer could only fire if the test advanced the clock: it does not.
    await expect(causes.settle('leg', HOUR_MS)).resolves.toBe(16);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets a settled channel, so a later settle of the same id waits for its own ChannelDestroyed', async () => {
    const causes = new HangupCauses();
    causes.noteDestroyed('leg', 16);
    expect(await causes.settle('leg', 10)).toBe(16);
    expect(await causes.settle('leg', 10)).toBeUndefined();
  });
});

describe('an agent hangs up a connected call', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await closeHealthy(h);
    h = undefined;
  });

  it('ends the call and hangs up the caller without waiting for the cause grace', async () => {
    h = await startHarness(
      { queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 0 }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] },
      { causeGraceMs: HOUR_MS },
    );
    const call = await h.connectedCall('a1');
    h.sim.hangup(call.agentChannel, 16);
    await waitFor(() => !h!.sim.channel(call.id), 'caller hung up');
    const ended = await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === call.id);
    expect(ended).toMatchObject({ agentId: 'a1', reason: 'completeagent' });
    await waitFor(async () => (await h!.store.getAgent('a1'))?.status === 'ready', 'agent ready again');
  });

  it('ends a connected call without waiting for the agent leg\'s ChannelDestroyed at all', async () => {
    h = await startHarness(
      { queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 0 }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] },
      { causeGraceMs: HOUR_MS },
    );
    // Once the engine set its own filter, the PBX stops sending ChannelDestroyed: only StasisEnd tells the leg is gone.
    const app = () => fetch(`${h!.sim.url}/ari/applications/acd`, { headers: { authorization: AUTH } }).then((r) => r.json() as Promise<{ events_allowed: unknown[] }>);
    await waitFor(async () => (await app()).events_allowed.length > 0, 'engine event filter');
    const put = await fetch(`${h.sim.url}/ari/applications/acd/eventFilter`, {
      method: 'PUT',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed: HANDLED_ARI_EVENT_TYPES.filter((t) => t !== 'ChannelDestroyed').map((type) => ({ type })) }),
    });
    expect(put.status).toBe(200);
    const call = await h.connectedCall('a1');
    h.sim.hangup(call.agentChannel, 16);
    await waitFor(() => !h!.sim.channel(call.id), 'caller hung up');
    await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === call.id);
  });
});
