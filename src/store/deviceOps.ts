/** Device state (app_queue ringinuse: src/acd/deviceState.ts) and talks Redis lost (src/acd/lostTalks.ts): an agent's routing pools. */
import type { StoreContext } from './context.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { AcdStore } from './types.js';

export type DeviceOps = Pick<AcdStore, 'setDeviceInUse' | 'setLostTalk'>;

export function createDeviceOps({ keys, run }: StoreContext): DeviceOps {
  return {
    setDeviceInUse: async (agentId, inUse) =>
      (await mapScriptErrors(run('setDeviceInUse', [keys.agent(agentId), keys.events], [keys.prefix, agentId, inUse ? '1' : '0']), () => `agent ${agentId} not found`)) === 1,
    setLostTalk: async (agentId, talk) =>
      (await mapScriptErrors(run('setLostTalk', [keys.agent(agentId), keys.events], [keys.prefix, agentId, talk]), () => `agent ${agentId} not found`)) === 1,
  };
}
