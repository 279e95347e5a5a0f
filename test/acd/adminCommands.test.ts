/** Administration as engine commands (src/acd/adminCommands.ts) on the run's real Redis. */
import { afterEach, expect, it } from 'vitest';
import { createAdminCommands } from '../../src/acd/adminCommands.js';
import { createAdminOps } from '../../src/store/adminOps.js';
import { createTestStore, queueDef, type TestStore } from '../helpers/store.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.cleanup();
});

it('a deleted queue leaves the engine store at once, not when the change message reaches its subscriber', async () => {
  t = createTestStore();
  const { store } = t;
  await store.upsertQueue(queueDef('sales'));
  expect(await store.getQueue('sales')).toBeDefined();
  const forgotten: string[] = [];
  const watched = { ...store, forgetQueue: (id: string) => (forgotten.push(id), store.forgetQueue(id)) };
  await createAdminCommands(createAdminOps(t.redis, t.tenant), watched, () => undefined).deleteQueue('sales');
  // The pub/sub message may not have reached the store's subscriber yet: the delete itself makes it forget.
  expect(forgotten).toEqual(['sales']);
  expect(await store.getQueue('sales')).toBeUndefined();
});
