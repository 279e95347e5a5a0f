/** What a caller heard and where it went, read from the simulator's request log and events. */
import type { ChannelView, Simulator } from '../../src/sim/index.js';

/** REST requests the engine sent about one channel, as `METHOD /suffix` (e.g. `POST /moh`). */
export function requestsFor(sim: Simulator, channelId: string): string[] {
  const base = `/channels/${channelId}`;
  return sim.requests.filter((r) => r.path === base || r.path.startsWith(`${base}/`)).map((r) => `${r.method} ${r.path.slice(base.length) || '/'}`);
}

/** Channel variables the engine set on a channel, in order. */
export function variablesSet(sim: Simulator, channelId: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const r of sim.requests) {
    if (r.method !== 'POST' || r.path !== `/channels/${channelId}/variable` || r.status >= 300) continue;
    const args = { ...r.query, ...((r.body as Record<string, string> | null) ?? {}) };
    vars[args.variable] = args.value ?? '';
  }
  return vars;
}

export const continued = (sim: Simulator, channelId: string) => requestsFor(sim, channelId).includes('POST /continue');

/**
 * The channel as it leaves Stasis (its StasisEnd), once it does: what it takes into the dialplan
 * (Asterisk keeps music and mute started through ARI past Stasis).
 */
export function onLeavingStasis(sim: Simulator, channelId: string): () => ChannelView | undefined {
  let leaving: ChannelView | undefined;
  sim.onEvent((e) => {
    if (e.type === 'StasisEnd' && (e.channel as { id: string }).id === channelId) leaving = sim.channel(channelId);
  });
  return () => leaving;
}

/** Media URIs of every PlaybackStarted on a channel, collected from now on. */
export function recordPlaybacks(sim: Simulator): { started: (channelId: string) => string[]; events: { type: string; channel: string; media: string; id: string }[] } {
  const events: { type: string; channel: string; media: string; id: string }[] = [];
  sim.onEvent((e) => {
    if (e.type !== 'PlaybackStarted' && e.type !== 'PlaybackFinished') return;
    const playback = e.playback as { id: string; media_uri: string; target_uri: string };
    events.push({ type: e.type, channel: playback.target_uri.replace(/^channel:/, ''), media: playback.media_uri, id: playback.id });
  });
  return { events, started: (channelId) => events.filter((e) => e.type === 'PlaybackStarted' && e.channel === channelId).map((e) => e.media) };
}
