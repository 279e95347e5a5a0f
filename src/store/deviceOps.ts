/** Device state (app_queue ringinuse): the store side of src/acd/deviceState.ts. */
import type { StoreContext } from './context.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { AcdStore } from './types.js';

export type DeviceOps = Pick<AcdStore, 'setDeviceInUse'>;

export function createDeviceOps({ keys, run }: StoreContext): DeviceOps {
  return {
    setDeviceInUse: async (agentId, inUse) =>
      (await mapScriptErrors(run('setDeviceInUse', [keys.agent(agentId), keys.events], [keys.prefix, agentId, inUse ? '1' : '0']), () => `agent ${agentId} not found`)) === 1,
  };
}
