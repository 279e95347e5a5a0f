/** The simulator's endpoints (device state): GET /endpoints, app subscriptions, EndpointStateChange, direct calls. */
import { describe, expect, it } from 'vitest';
import type { AriEvent } from '../../src/sim/index.js';
import { channelIdOf, simulatorPerTest } from './ariTestClient.js';

const setup = simulatorPerTest();

const endpointEvents = (events: AriEvent[]) =>
  events.filter((e) => e.type === 'EndpointStateChange').map((e) => e.endpoint as { technology: string; resource: string; state: string; channel_ids: string[] });

describe('endpoints', () => {
  it('GET /endpoints/{tech}/{resource}: state and channels; registration from the scripted behaviour', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 1000 });
    sim.setEndpoint('PJSIP/1002', { kind: 'unavailable' });
    expect(await ari.rest('GET', '/endpoints/PJSIP/1001')).toEqual({ status: 200, body: { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] } });
    expect((await ari.rest('GET', '/endpoints/PJSIP/1002')).body).toMatchObject({ state: 'offline' });
    const direct = sim.placeDirectCall('PJSIP/1002', { number: '2000' });
    expect((await ari.rest('GET', '/endpoints/PJSIP/1002')).body).toMatchObject({ state: 'online', channel_ids: [direct] });
    expect(sim.channel(direct)).toMatchObject({ state: 'Up', inStasis: false, dialplan: { exten: '2000', app_name: 'Dial' } });
    expect(await ari.rest('GET', '/endpoints/Local/1001@agents')).toEqual({ status: 404, body: { message: 'Endpoint not found' } });
    const listed = (await ari.rest('GET', '/endpoints/PJSIP')).body as Array<{ resource: string }>;
    expect(listed.map((e) => e.resource)).toEqual(['1001', '1002']);
  });

  it('refuses bad subscriptions like Asterisk: unknown app 404, missing source 400, no such endpoint 422', async () => {
    const { ari } = await setup();
    expect((await ari.rest('POST', '/applications/nope/subscription', { eventSource: 'endpoint:PJSIP/1001' })).status).toBe(404);
    expect(await ari.rest('POST', '/applications/acd/subscription')).toEqual({ status: 400, body: { message: 'Missing parameter eventSource' } });
    expect(await ari.rest('POST', '/applications/acd/subscription', { eventSource: 'endpoint:Local/1001@agents' })).toEqual({ status: 422, body: { message: 'Event source does not exist' } });
    expect((await ari.rest('POST', '/applications/acd/subscription', { eventSource: 'nonsense' })).status).toBe(400);
  });

  it('a subscribed app gets EndpointStateChange when a channel on the endpoint comes and goes, and that channel\'s events', async () => {
    const { sim, ari } = await setup();
    const busyBefore = sim.placeDirectCall('PJSIP/1001');
    const subscribed = await ari.rest('POST', '/applications/acd/subscription', { eventSource: 'endpoint:PJSIP/1001' });
    expect(subscribed).toMatchObject({ status: 200, body: { name: 'acd', endpoint_ids: ['PJSIP/1001'] } });
    const direct = sim.placeDirectCall('PJSIP/1001');
    sim.placeDirectCall('PJSIP/1002'); // not subscribed: nothing
    await ari.waitFor((e) => e.type === 'EndpointStateChange');
    sim.hangup(direct);
    sim.hangup(busyBefore);
    await ari.until((events) => endpointEvents(events).length === 3, 2000);
    expect(endpointEvents(ari.events)).toEqual([
      { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [busyBefore, direct] },
      { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [busyBefore] },
      { technology: 'PJSIP', resource: '1001', state: 'offline', channel_ids: [] },
    ]);
    // Like Asterisk forwarding the endpoint's topic: the channels' own events too, even the one there before.
    expect(ari.events.filter((e) => e.type === 'ChannelDestroyed').map(channelIdOf)).toEqual([direct, busyBefore]);
  });

  it('reports the ACD leg the app creates on the endpoint', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1001', { kind: 'manual' });
    await ari.rest('POST', '/applications/acd/subscription', { eventSource: 'endpoint:PJSIP/1001' });
    await ari.rest('POST', '/channels/create', { endpoint: 'PJSIP/1001', app: 'acd', appArgs: 'agent,1001', channelId: 'leg-1' });
    const event = await ari.waitFor((e) => e.type === 'EndpointStateChange');
    expect(event.endpoint).toMatchObject({ channel_ids: ['leg-1'] });
  });

  it('placeDirectCall refuses an endpoint string without an endpoint', async () => {
    const { sim } = await setup();
    expect(() => sim.placeDirectCall('Local/1001@agents')).toThrow(expect.objectContaining({ code: 'no_endpoint' }));
  });
});
