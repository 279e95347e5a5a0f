/**
 * What the engine depends on and whether it is there: Redis reachable, ARI connected, reconcile
 * done after the last (re)connection. `/readyz` reports it, metrics export it, and every change
 * is logged (at warn when something goes away, with what to check).
 */
import type { Logger } from 'pino';

export type Dependency = 'redis' | 'ari' | 'reconcile';

export interface DependencyState {
  up: boolean;
  /** Why it is down (or how it came up), for `/readyz` and the logs. */
  detail: string;
  /** Epoch ms of the last change. */
  since: number;
}

export interface Health {
  set(dep: Dependency, up: boolean, detail: string): void;
  isUp(dep: Dependency): boolean;
  /** Ready = every dependency up. */
  readiness(): { ready: boolean; checks: Record<Dependency, DependencyState> };
  /** Called on every change (metrics). */
  onChange(listener: (dep: Dependency, up: boolean) => void): void;
}

/** What an operator should look at when a dependency goes away. */
const HINTS: Record<Dependency, string> = {
  redis: 'check that redis-server runs and REDIS_URL points to it; requests that need Redis answer 503 redis_unavailable until it is back',
  ari: 'check that Asterisk runs, ARI is enabled (ari.conf, http.conf) and ARI_URL/ARI_USERNAME/ARI_PASSWORD match; call control answers 503 pbx_unavailable until it is back',
  reconcile: 'calls in Stasis are being matched with the stored state',
};

const CONNECTING = 'connecting';

export function createHealth(logger: Logger): Health {
  const log = logger.child({ component: 'health' });
  const now = Date.now();
  const checks: Record<Dependency, DependencyState> = {
    redis: { up: false, detail: CONNECTING, since: now },
    ari: { up: false, detail: CONNECTING, since: now },
    reconcile: { up: false, detail: 'waiting for the first ARI connection', since: now },
  };
  const listeners: ((dep: Dependency, up: boolean) => void)[] = [];
  return {
    set(dep, up, detail) {
      const state = checks[dep];
      if (state.up === up && state.detail === detail) return;
      // The first failure after start counts as a change: 'connecting' was no verdict yet.
      const changed = state.up !== up || state.detail === CONNECTING;
      checks[dep] = { up, detail, since: Date.now() };
      if (!changed) return;
      if (up) log.info({ dependency: dep, detail }, `${dep} up`);
      else log.warn({ dependency: dep, detail, hint: HINTS[dep] }, `${dep} down: ${detail}`);
      for (const listener of listeners) listener(dep, up);
    },
    isUp: (dep) => checks[dep].up,
    readiness() {
      return { ready: Object.values(checks).every((c) => c.up), checks: { ...checks } };
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
