/** The HTTP API on the whole engine (simulator + ARI adapter + Redis): call commands for real. */
import { buildApi } from '../../src/api/server.js';
import { createApiServices } from '../../src/api/services.js';
import { createEventHub } from '../../src/api/eventHub.js';
import { type AuthFile, resolveAuthSettings } from '../../src/auth/settings.js';
import type { ConfigFile } from '../../src/config.js';
import { type Harness, startHarness } from '../helpers/acdHarness.js';
import { reasons } from './apiHarness.js';

export interface EngineApi {
  h: Harness;
  base: string;
  close(): Promise<void>;
}

export async function startEngineApi(file: ConfigFile, auth?: AuthFile): Promise<EngineApi> {
  const h = await startHarness(file);
  const hub = createEventHub(h.store, h.logger, { blockMs: 50 });
  await hub.start();
  const services = createApiServices({ redis: h.redis, tenant: h.tenant, store: h.store, hub, logger: h.logger, auth: resolveAuthSettings(auth), stats: { groups: {} } });
  const app = await buildApi({ store: h.store, agents: h.engine.agents, reasons, logger: h.logger, events: hub, calls: h.engine.calls, ...services, admin: h.engine.admin(services.admin) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    h,
    base,
    async close() {
      await app.close();
      await hub.stop();
      await h.close();
    },
  };
}
