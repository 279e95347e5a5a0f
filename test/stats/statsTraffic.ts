/** Traffic for statistics tests on the API harness, and waiting for the projector to count it. */
import { expect } from 'vitest';
import type { ApiHarness } from '../api/apiHarness.js';
import { waitUntil } from '../api/waitUntil.js';
import { connectTestRedis } from '../helpers/redis.js';
import { caller } from '../helpers/store.js';

/** One answered call in sales (agent 1001), one abandoned in sales, one waiting in support. */
export async function statsTraffic(api: ApiHarness): Promise<void> {
  const { store } = api;
  await store.login('1001', undefined, { by: 't', ready: true });
  await store.login('2001', undefined, { by: 't' });
  await store.enqueue(caller('c1', 'sales'));
  const offer = await store.assign({ queue: 'sales' }, 'leg-1');
  expect(offer?.agentId).toBe('1001');
  await store.markRinging('c1', 'leg-1');
  await store.connect('c1', 'leg-1', 'bridge-1');
  await store.endCall('c1', 'caller');
  await store.enqueue(caller('c2', 'sales'));
  await store.endCall('c2', 'caller');
  await store.enqueue(caller('c3', 'support'));
}

/** Resolves once the statistics projector has applied every event so far. */
export async function projected(api: ApiHarness): Promise<void> {
  const last = await api.store.lastEventId();
  const redis = connectTestRedis();
  try {
    await waitUntil(async () => (await redis.get(`${api.store.keys.prefix}stats:pos`)) === last, 'the projector to catch up');
  } finally {
    redis.disconnect();
  }
}
