/**
 * Builds the HTTP layer's services that live on Redis next to the store: auth (tickets),
 * admin ops and live statistics with their projector. Shared by app.ts and the tests.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type ApiAuth, createApiAuth } from '../auth/index.js';
import type { AuthSettings } from '../auth/settings.js';
import { createLiveStats, type LiveStats } from '../stats/liveStats.js';
import { createProjector, type Projector, type ProjectorOptions } from '../stats/projector.js';
import type { StatsSettings } from '../stats/settings.js';
import { createStatsStore } from '../stats/statsStore.js';
import { type AdminOps, createAdminOps } from '../store/adminOps.js';
import { tenantPrefix } from '../store/keys.js';
import type { AcdStore } from '../store/types.js';
import type { EventHub } from './eventHub.js';

export interface ApiServices {
  auth: ApiAuth;
  admin: AdminOps;
  stats: LiveStats;
  /** Not started: call `projector.start()` (and `stop()` on shutdown). */
  projector: Projector;
}

export function createApiServices(deps: {
  redis: Redis;
  tenant: string;
  store: AcdStore;
  hub: EventHub;
  logger: Logger;
  auth: AuthSettings;
  stats: StatsSettings;
  projector?: ProjectorOptions;
}): ApiServices {
  const prefix = tenantPrefix(deps.tenant);
  const statsStore = createStatsStore(deps.redis, prefix);
  return {
    auth: createApiAuth(deps.auth, deps.redis, prefix),
    admin: createAdminOps(deps.redis, deps.tenant),
    stats: createLiveStats(deps.store, statsStore, deps.stats),
    projector: createProjector({ redis: deps.redis, prefix, stats: statsStore, hub: deps.hub, store: deps.store, logger: deps.logger }, deps.projector),
  };
}
