/** The HTTP API on the whole engine (simulator + ARI adapter + Redis): call commands for real. */
import { buildApi } from '../../src/api/server.js';
import { createApiServices } from '../../src/api/services.js';
import { createEventHub } from '../../src/api/eventHub.js';
import { type AuthFile, resolveAuthSettings } from '../../src/auth/settings.js';
import type { ConfigFile } from '../../src/config.js';
import { afterEach, beforeEach } from 'vitest';
import { type Harness, startHarness } from '../helpers/acdHarness.js';
import { type HttpClient, httpClient } from './httpClient.js';
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

/** Each test of the file gets its own engine API (closed after it): `api.e` and `api.http` inside tests. */
export function useEngineApi(file: ConfigFile, auth?: AuthFile): { readonly e: EngineApi; readonly http: HttpClient } {
  const current: { e?: EngineApi; http?: HttpClient } = {};
  beforeEach(async () => {
    current.e = await startEngineApi(file, auth);
    current.http = httpClient(current.e.base);
  });
  afterEach(async () => {
    await current.e?.close();
  });
  return {
    get e() {
      return current.e!;
    },
    get http() {
      return current.http!;
    },
  };
}
