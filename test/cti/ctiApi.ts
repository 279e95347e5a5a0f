/** The engine on the simulator with the HTTP API listening (CTI sockets included), for CTI tests. */
import { createEventHub, type EventHub } from '../../src/api/eventHub.js';
import { buildApi } from '../../src/api/server.js';
import { resolveConfigFile, type ConfigFile } from '../../src/config.js';
import { createApiServices } from '../../src/api/services.js';
import { type AuthFile, resolveAuthSettings } from '../../src/auth/settings.js';
import { startHarness, type Harness } from '../helpers/acdHarness.js';
import { engineApiDeps } from '../helpers/engineApi.js';

export interface CtiApi {
  h: Harness;
  hub: EventHub;
  api: Awaited<ReturnType<typeof buildApi>>;
  /** ws://127.0.0.1:<port> */
  base: string;
  /** The API goes away (its sockets with it) and comes back on the same port: a server restart for clients. */
  restartApi(): Promise<void>;
  close(): Promise<void>;
}

export async function startCtiApi(config: ConfigFile, auth?: AuthFile): Promise<CtiApi> {
  const h = await startHarness(config);
  const hub = createEventHub(h.store, h.logger, { blockMs: 50, retryMs: 20 });
  await hub.start();
  const services = createApiServices({ redis: h.redis, tenant: h.tenant, store: h.store, hub, logger: h.logger, auth: resolveAuthSettings(auth), stats: { groups: {} } });
  const build = () =>
    buildApi(engineApiDeps(h, hub, services, resolveConfigFile(config).reasons));
  const api = await build();
  const base = (await api.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  const t: CtiApi = {
    h,
    hub,
    api,
    base,
    async restartApi() {
      await t.api.close();
      t.api = await build();
      await t.api.listen({ host: '127.0.0.1', port: Number(new URL(base).port) });
    },
    async close() {
      await t.api.close();
      await hub.stop();
      await h.close();
    },
  };
  return t;
}
