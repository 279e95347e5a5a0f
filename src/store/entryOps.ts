/**
 * Caller entries in progress (src/acd/callerEntry.ts): recorded before the engine makes its first
 * PBX request for a caller and cleared once the caller is queued or sent back to the dialplan,
 * so an entry a PBX fault interrupted is found and finished (src/acd/entryRepair.ts).
 */
import type { StoreContext } from './context.js';
import type { AcdStore } from './types.js';

export type EntryOps = Pick<AcdStore, 'recordEntry' | 'finishEntry' | 'unfinishedEntries'>;

export function createEntryOps({ redis, keys }: StoreContext): EntryOps {
  return {
    recordEntry: async (node, channelId) => (await redis.hsetnx(keys.entries(node), channelId, String(Date.now()))) === 0,
    finishEntry: async (node, channelId) => {
      await redis.hdel(keys.entries(node), channelId);
    },
    unfinishedEntries: (node) => redis.hkeys(keys.entries(node)),
  };
}
