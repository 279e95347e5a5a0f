/** What buildApi takes from a test harness's engine (src/app.ts wires the same for production). */
import type { ReasonLists } from '../../src/acd/agentCommands.js';
import type { ApiDeps } from '../../src/api/deps.js';
import type { EventHub } from '../../src/api/eventHub.js';
import type { ApiServices } from '../../src/api/services.js';
import type { Harness } from './acdHarness.js';

export const engineApiDeps = (h: Harness, events: EventHub, services: ApiServices, reasons: ReasonLists): ApiDeps => ({
  store: h.store,
  agents: h.engine.agents,
  reasons,
  logger: h.logger,
  events,
  control: h.engine.control,
  calls: h.engine.calls,
  ...services,
  admin: h.engine.admin(services.admin),
});
