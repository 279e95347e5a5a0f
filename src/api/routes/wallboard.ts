/**
 * `GET /api/wallboard`: what the wallboard shows beside the Live Queue figures
 * (`POST /api/stats/count`): per queue its name, service-level threshold and colour
 * thresholds, the estimated wait of a caller joining now, and agents by state the live figures
 * do not split (ringing, logged out, not ready per reason). `overall` counts each agent once.
 */
import { Type } from 'typebox';
import type { QueueDef } from '../../domain/queue.js';
import type { AgentCounts } from '../../store/countOps.js';
import type { WallboardThresholds } from '../../domain/stats.js';
import { auth, STAFF } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

/** Service level target used for colours when the queue configures none (percent, below = colour). */
const DEFAULT_SL_PCT = { amber: 80, red: 60 };
const DEFAULT_SERVICE_LEVEL_S = 20;

const Limits = Type.Object({ amber: Type.Number(), red: Type.Number() });
const AgentBreakdown = {
  ringing: Type.Number({ description: 'reserved or ringing' }),
  loggedOut: Type.Number(),
  notReadyByReason: Type.Record(Type.String(), Type.Number(), { description: 'reason code → agents' }),
};
const QueueBoard = Type.Object({
  id: Type.String(),
  name: Type.String(),
  serviceLevelS: Type.Number(),
  thresholds: Type.Object({ longestWaitS: Limits, waiting: Type.Optional(Limits), serviceLevelPct: Limits }),
  ewtMs: Type.Number({ description: 'estimated wait of a caller joining now' }),
  ...AgentBreakdown,
});
const WallboardReply = Type.Object({ queues: Type.Array(QueueBoard), overall: Type.Object(AgentBreakdown) });

/** Defaults: longest wait amber at half the service-level threshold, red past it. */
function thresholdsOf(def: QueueDef): Required<Pick<WallboardThresholds, 'longestWaitS' | 'serviceLevelPct'>> & WallboardThresholds {
  const sl = def.serviceLevelS ?? DEFAULT_SERVICE_LEVEL_S;
  const own = def.wallboard ?? {};
  return { longestWaitS: own.longestWaitS ?? { amber: sl / 2, red: sl }, serviceLevelPct: own.serviceLevelPct ?? DEFAULT_SL_PCT, ...(own.waiting ? { waiting: own.waiting } : {}) };
}

/** From the store's counters (src/store/countOps.ts): no agent is read. */
function breakdown({ byStatus, notReadyByReason }: AgentCounts) {
  const reasons: Record<string, number> = {};
  for (const [reason, n] of Object.entries(notReadyByReason)) reasons[reason || 'none'] = (reasons[reason || 'none'] ?? 0) + n;
  return { ringing: byStatus.reserved + byStatus.ringing, loggedOut: byStatus.logged_out, notReadyByReason: reasons };
}

export function wallboardRoutes(app: ApiApp, { store }: ApiDeps): void {
  app.get(
    '/wallboard',
    { config: auth(STAFF), schema: { tags: ['statistics'], summary: 'Wallboard extras beside the Live Queue figures', response: { 200: WallboardReply, ...errorResponses } } },
    async () => {
      const queues = await store.listQueues();
      const load = await store.load(queues.map((q) => q.id));
      const boards = await Promise.all(
        queues.map(async (def, i) => ({
          id: def.id,
          name: def.name,
          serviceLevelS: def.serviceLevelS ?? DEFAULT_SERVICE_LEVEL_S,
          thresholds: thresholdsOf(def),
          ewtMs: (await store.waitInfo(def.id)).ewtMs,
          ...breakdown(load.queues[i]!),
        })),
      );
      return { queues: boards, overall: breakdown(load.agents) };
    },
  );
}
