/**
 * A caller still in our app after it left its queue alive (withdraw) because its release to the
 * dialplan failed: the periodic entry repair finishes the release with the same QUEUESTATUS and
 * never queues the caller again.
 */
import { afterEach, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { continued, variablesSet } from './experienceHelpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('releases a withdrawn caller whose continue failed with QUEUESTATUS=WITHDRAW, never queuing it again', async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] }, { settings: { entryRepairIntervalMs: 100 } });
  const sim = h.sim;
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550101' });
  await h.waitForCall(caller, 'waiting');
  sim.injectFault({ method: 'POST', path: /\/continue$/, status: 503 });
  // The store took the caller out of the queue; the PBX refused to send it on.
  await expect(h.engine.calls.withdraw(caller, { by: 'supervisor:s1' })).rejects.toMatchObject({ kind: 'server' });
  expect(await h.store.getCall(caller)).toBeUndefined();
  expect(await h.store.endedCall(caller)).toEqual({ endedBy: 'left', queue: 'sales', status: 'WITHDRAW' });
  await waitFor(() => continued(sim, caller), 'the entry repair sends the caller on');
  expect(variablesSet(sim, caller).QUEUESTATUS).toBe('WITHDRAW');
  await h.engine.settled();
  const joins = (await h.events()).filter((e) => e.type === 'QueueCallerJoin' && e.callId === caller);
  expect(joins).toHaveLength(1);
  expect(await h.store.getCall(caller)).toBeUndefined();
});
