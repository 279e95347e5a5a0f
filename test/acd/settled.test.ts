/**
 * Engine.settled() waits for everything in flight: here the caller's entry step, which is still
 * answering the caller and starting its music when the store already shows the call waiting.
 */
import { afterEach, expect, it } from 'vitest';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

it('settled() returns only once the steps started by an event are done', async () => {
  h = await startHarness({ queues: [{ id: 'sales', wrapupS: 0, announce: { frequencyS: 30 } }], agents: [] });
  for (let i = 0; i < 5; i++) {
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: `55500${i}` });
    await waitFor(() => h!.store.getCall(caller), 'call stored');
    await h.engine.settled();
    // Answered and hearing music: the end of the entry step, after the store wrote the call.
    expect(h.sim.channel(caller)).toMatchObject({ state: 'Up', moh: 'default' });
  }
});
