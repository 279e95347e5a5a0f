/** The adapter's device-state operations through ari-client against the simulator (real HTTP + WebSocket). */
import { afterEach, describe, expect, it } from 'vitest';
import { isPbxError } from '../../src/pbx/port.js';
import { startSimulator } from '../../src/sim/index.js';
import { recordEvents, testPbx } from './pbx-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected() {
  const sim = await startSimulator({ username: 'asterisk', password: 'secret', timeScale: 0.05 });
  cleanups.push(() => sim.close());
  const pbx = testPbx(sim.url);
  cleanups.push(() => pbx.stop());
  const log = recordEvents(pbx);
  await pbx.start();
  return { sim, pbx, log };
}

describe('ARI adapter: endpoints', () => {
  it('subscribes to an endpoint and reports its state changes as endpointStateChanged', async () => {
    const { sim, pbx, log } = await connected();
    await pbx.subscribeEndpoint('PJSIP/1001');
    expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', path: '/applications/acd/subscription', status: 200 });
    const direct = sim.placeDirectCall('PJSIP/1001');
    expect(await log.waitFor('endpointStateChanged')).toEqual({ type: 'endpointStateChanged', endpoint: 'PJSIP/1001', state: 'online', channelIds: [direct] });
    expect(await pbx.getEndpoint('PJSIP/1001')).toEqual({ endpoint: 'PJSIP/1001', state: 'online', channelIds: [direct] });
    sim.hangup(direct);
    await log.waitFor('endpointStateChanged', (e) => e.channelIds.length === 0);
  });

  it('reads a dial string with extra parts as its endpoint, and refuses what has no endpoint', async () => {
    const { sim, pbx } = await connected();
    sim.placeDirectCall('PJSIP/1001');
    expect((await pbx.getEndpoint('PJSIP/1001/sip:1001@10.0.0.5'))?.channelIds).toHaveLength(1);
    await expect(pbx.getEndpoint('Local/1001@agents')).rejects.toSatisfy((e) => isPbxError(e, 'invalid'));
    await expect(pbx.subscribeEndpoint('nonsense')).rejects.toSatisfy((e) => isPbxError(e, 'invalid'));
  });
});
