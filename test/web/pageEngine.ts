/**
 * The whole engine behind the pages: simulator, engine with call control, event hub, statistics
 * projector and the HTTP API on a real port. `restartApi()` closes the HTTP side and serves again
 * on the same port (what a browser sees of an engine restart); Redis and the calls stay.
 */
import { buildApi } from '../../src/api/server.js';
import { createEventHub, type EventHub } from '../../src/api/eventHub.js';
import { createApiServices, type ApiServices } from '../../src/api/services.js';
import { type AuthFile, resolveAuthSettings } from '../../src/auth/settings.js';
import { type ConfigFile, resolveConfigFile } from '../../src/config.js';
import { type Harness, startHarness } from '../helpers/acdHarness.js';
import { engineApiDeps } from '../helpers/engineApi.js';

export interface PageEngine {
  h: Harness;
  base: string;
  services: ApiServices;
  restartApi(): Promise<void>;
  close(): Promise<void>;
}

export async function startPageEngine(file: ConfigFile, auth?: AuthFile): Promise<PageEngine> {
  const h = await startHarness(file);
  const config = resolveConfigFile(file);
  let port = 0;
  let hub: EventHub;
  let services: ApiServices;
  let app: Awaited<ReturnType<typeof buildApi>>;
  const serve = async () => {
    hub = createEventHub(h.store, h.logger, { blockMs: 50, retryMs: 20 });
    await hub.start();
    services = createApiServices({ redis: h.redis, tenant: h.tenant, store: h.store, hub, logger: h.logger, auth: resolveAuthSettings(auth), stats: config.stats });
    services.projector.start();
    app = await buildApi(engineApiDeps(h, hub, services, config.reasons));
    const base = await app.listen({ port, host: '127.0.0.1' });
    port = Number(new URL(base).port);
    return base;
  };
  const stopServing = async () => {
    await app.close();
    await services.projector.stop();
    await hub.stop();
  };
  const base = await serve();
  return {
    h,
    base,
    get services() {
      return services;
    },
    async restartApi() {
      await stopServing();
      await serve();
    },
    async close() {
      await stopServing();
      await h.close();
    },
  };
}
