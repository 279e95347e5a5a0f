/**
 * The HTTP layer's commands (REST and CTI alike, since both take them from ApiDeps) wrapped in
 * the endpoint policy and the PBX input rules: an agent logs in only on an endpoint allowed for
 * it, a supervisor is rung only on a phone allowed for supervisors, a dial carries only plain
 * channel variables and a clean caller id (src/auth/pbxInput.ts). Engine-internal callers (demo, tests) use the plain
 * commands.
 */
import type { AgentCommands } from '../acd/agentCommands.js';
import type { CallControl } from '../acd/control/index.js';
import type { AgentDef } from '../domain/queue.js';
import type { EndpointPolicy } from './endpoints.js';
import type { Limits } from './limits.js';
import { assertCallerId, assertChannelVariables } from './pbxInput.js';

export function guardAgentCommands(agents: AgentCommands, policy: EndpointPolicy, agentDef: (id: string) => Promise<AgentDef | undefined>): AgentCommands {
  return {
    ...agents,
    async login(agentId, opts) {
      if (opts.endpoint !== undefined) {
        // An unknown agent is left to the store, which answers agent_not_found.
        const def = await agentDef(agentId);
        if (def) policy.assertAgentEndpoint(agentId, def.endpoint, opts.endpoint);
      }
      return agents.login(agentId, opts);
    },
  };
}

export function guardCallControl(control: CallControl, policy: EndpointPolicy, limits: Limits): CallControl {
  return {
    ...control,
    async dial(req) {
      if (req.callerId !== undefined) assertCallerId(req.callerId);
      if (req.variables !== undefined) assertChannelVariables(req.variables, limits);
      return control.dial(req);
    },
    async monitor(req) {
      // '' = keep the phone of the running session (mode change).
      if (req.endpoint !== '') policy.assertSupervisorEndpoint(req.endpoint);
      return control.monitor(req);
    },
  };
}
