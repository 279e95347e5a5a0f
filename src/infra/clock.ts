/**
 * The engine's notion of "now" in ms epoch. Production uses the wall clock (and the Lua scripts
 * use Redis TIME); tests inject a pinned clock (src/store/clock.ts) that moves both together,
 * so a test advances time instead of waiting for it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
