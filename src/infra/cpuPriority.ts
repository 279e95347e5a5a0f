/**
 * CPU_NICE: the engine's CPU priority against the processes it shares the box with.
 *
 * Beside Asterisk, on one box, the engine's single thread competes with a thread per channel:
 * music on hold wakes each waiting caller's thread 50 times a second. Under overload Linux gave
 * those threads the CPUs: at 200 calls/s on a real Asterisk the engine ran at 5-7 % of a core
 * with its ARI answers and Redis replies unread, its lease went unanswered and most callers
 * failed — with the engine in a scheduling group of its own at equal weight as well. With nice
 * -10 on the engine and its Redis it took the 25-30 % it needed and failed none
 * (docs/performance.md, "The engine starved by Asterisk's threads").
 *
 * The value is applied to this process (its main thread; what it spawns later, such as the
 * embedded redis-server, inherits it) and, where Linux groups processes by session (autogroup, a
 * process started from a shell or with setsid), to the session's group, which is what competes
 * with Asterisk's group there. Under systemd or Docker each service is a cgroup and its weight
 * decides (`CPUWeight=`, `cpu_shares`: docs/operations.md). A negative value needs root or
 * CAP_SYS_NICE; without it the engine says so and runs on at its current priority.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from 'pino';

/** What applying a nice value touches; the Linux one by default, another in tests. */
export interface Scheduler {
  /** The nice value of this process's main thread. */
  setNice(nice: number): void;
  /** Whether Linux schedules by session groups (autogroup); false elsewhere. */
  autogroupEnabled(): boolean;
  /** The nice value of this process's session group. */
  setGroupNice(nice: number): void;
}

export const linuxScheduler: Scheduler = {
  setNice: (nice) => setPriority(0, nice),
  autogroupEnabled: () => {
    try {
      return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
    } catch {
      return false;
    }
  },
  setGroupNice: (nice) => writeFileSync('/proc/self/autogroup', String(nice)),
};

/** os.setPriority reports EACCES in `info.code` (ERR_SYSTEM_ERROR); a write to /proc, EPERM in `code`. */
const isPermissionError = (err: unknown) => {
  const e = err as NodeJS.ErrnoException & { info?: { code?: string } };
  return [e.code, e.info?.code].some((code) => code === 'EACCES' || code === 'EPERM');
};

/**
 * Applies `nice` (-20 to 19); returns what was set. Refused for want of privilege: logged, the
 * engine runs on (a priority is a tuning, not a reason to leave callers unserved).
 */
export function applyCpuNice(nice: number, logger: Logger, scheduler: Scheduler = linuxScheduler): { process: boolean; group: boolean } {
  const applied = { process: false, group: false };
  try {
    scheduler.setNice(nice);
    applied.process = true;
    if (scheduler.autogroupEnabled()) {
      scheduler.setGroupNice(nice);
      applied.group = true;
    }
  } catch (err) {
    if (!isPermissionError(err)) throw err;
    logger.warn({ nice, err: (err as Error).message }, 'CPU_NICE not applied: a negative nice needs root or CAP_SYS_NICE (systemd: Nice= and CPUWeight=; Docker: cpu_shares)');
    return applied;
  }
  logger.info({ nice, sessionGroup: applied.group }, 'CPU priority set (CPU_NICE)');
  return applied;
}
