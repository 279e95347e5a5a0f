/**
 * The whole engine on the simulator with the HTTP API listening (call control included), for
 * the PBXIS compatibility tests and pages: agents 147 (alice, queues q1 and q2) and 149 (bob, q1),
 * named by extension as a PBXIS client does.
 */
import { buildApi } from '../../../src/api/server.js';
import { createApiServices } from '../../../src/api/services.js';
import { createEventHub } from '../../../src/api/eventHub.js';
import { type AuthFile, resolveAuthSettings } from '../../../src/auth/settings.js';
import { resolveConfigFile } from '../../../src/config.js';
import { type Harness, startHarness } from '../../helpers/acdHarness.js';
import { engineApiDeps } from '../../helpers/engineApi.js';

export const PBXIS_CONFIG = {
  queues: [
    { id: 'q1', ringTimeoutS: 3, wrapupS: 1 },
    { id: 'q2', ringTimeoutS: 3, wrapupS: 1 },
  ],
  agents: [
    { id: 'alice', name: 'Alice', endpoint: 'PJSIP/147', queues: ['q1', 'q2'] },
    { id: 'bob', name: 'Bob', endpoint: 'PJSIP/149', queues: ['q1'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [{ code: 'eod', label: 'End of day' }] },
};

export interface PbxisEngine {
  h: Harness;
  base: string;
  /** Times POST /stop asked for a shutdown. */
  stops: number;
  close(): Promise<void>;
}

export async function startPbxisEngine(auth: AuthFile = {}): Promise<PbxisEngine> {
  const h = await startHarness(PBXIS_CONFIG);
  const hub = createEventHub(h.store, h.logger, { blockMs: 50, retryMs: 20 });
  await hub.start();
  const services = createApiServices({
    redis: h.redis,
    tenant: h.tenant,
    store: h.store,
    hub,
    logger: h.logger,
    auth: resolveAuthSettings({ destinationAllowList: ['_X.'], agentEndpoints: { alice: ['PJSIP/150'] }, ...auth }),
    stats: { groups: {} },
    projector: { leaseMs: 3_000 },
  });
  services.projector.start();
  const engine: PbxisEngine = {
    h,
    base: '',
    stops: 0,
    async close() {
      await app.close();
      await services.projector.stop();
      await hub.stop();
      await h.close();
    },
  };
  const app = await buildApi(
    engineApiDeps(h, hub, services, resolveConfigFile(PBXIS_CONFIG).reasons),
    { sse: { heartbeatMs: 1_000, retryMs: 500 }, requestStop: () => (engine.stops += 1) },
  );
  engine.base = await app.listen({ host: '127.0.0.1', port: 0 });
  return engine;
}
