/**
 * Redis's own per-command figures since it started (`INFO commandstats`): calls and µs by command
 * name, Lua's own commands included (a script's µs already contain theirs). Each bench takes the
 * difference of two readings around what it measures.
 */
import type { Redis } from 'ioredis';

export type CommandStats = Map<string, { calls: number; usec: number }>;

/** The commands that run a script (their µs contain the commands the script runs). */
export const isScriptCommand = (name: string): boolean => /^(evalsha|eval|fcall)$/.test(name);

export async function commandStats(redis: Redis): Promise<CommandStats> {
  const stats: CommandStats = new Map();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}
