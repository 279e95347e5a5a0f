/**
 * The whole engine (simulator + Redis) behind the HTTP API with keys and call control, for the
 * security tests: queues sales and support, agents 1001 (sales), 1002 (sales, support) and 2001
 * (support), each on its PJSIP phone. The auth section goes through the configuration file's
 * resolution, as in the app.
 */
import { buildApi } from '../../src/api/server.js';
import { createApiServices } from '../../src/api/services.js';
import { createEventHub, type EventHub } from '../../src/api/eventHub.js';
import type { AuthFile } from '../../src/auth/settings.js';
import { type ConfigFile, resolveConfigFile } from '../../src/config.js';
import type { AdminOps } from '../../src/store/adminOps.js';
import { type Harness, startHarness } from '../helpers/acdHarness.js';
import { type HttpClient, httpClient, TEST_AUTH } from '../api/httpClient.js';
import { engineApiDeps } from '../helpers/engineApi.js';

export const SECURE_CONFIG = {
  queues: [{ id: 'sales', ringTimeoutS: 3, wrapupS: 1 }, { id: 'support', ringTimeoutS: 3, wrapupS: 1 }],
  agents: [
    { id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] },
    { id: '1002', endpoint: 'PJSIP/1002', queues: ['sales', 'support'] },
    { id: '2001', endpoint: 'PJSIP/2001', queues: ['support'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [{ code: 'eod', label: 'End of day' }] },
} satisfies ConfigFile;

export interface SecureEngine {
  h: Harness;
  admin: AdminOps;
  http: HttpClient;
  /** ws:// base of the API. */
  wsBase: string;
  /** The API restarted on the same store with another auth section (a configuration change). */
  restartApi(auth: AuthFile): Promise<void>;
  close(): Promise<void>;
}

export async function startSecureEngine(auth: AuthFile = TEST_AUTH, file: ConfigFile = SECURE_CONFIG): Promise<SecureEngine> {
  const h = await startHarness(file);
  const hub: EventHub = createEventHub(h.store, h.logger, { blockMs: 50, retryMs: 20 });
  await hub.start();
  const serve = async (withAuth: AuthFile) => {
    const services = createApiServices({ redis: h.redis, tenant: h.tenant, store: h.store, hub, logger: h.logger, auth: resolveConfigFile({ ...file, auth: withAuth }).auth, stats: { groups: {} } });
    const app = await buildApi(engineApiDeps(h, hub, services, resolveConfigFile(file).reasons));
    return { app, services, base: await app.listen({ host: '127.0.0.1', port: 0 }) };
  };
  let api = await serve(auth);
  const engine: SecureEngine = {
    h,
    admin: api.services.admin,
    http: httpClient(api.base),
    wsBase: api.base.replace('http', 'ws'),
    async restartApi(withAuth) {
      await api.app.close();
      api = await serve(withAuth);
      Object.assign(engine, { admin: api.services.admin, http: httpClient(api.base), wsBase: api.base.replace('http', 'ws') });
    },
    async close() {
      await api.app.close();
      await hub.stop();
      await h.close();
    },
  };
  return engine;
}
