/**
 * What a waiting caller hears: the queue's music-on-hold class or ringing (`ringInsteadOfMoh`),
 * interrupted by one announcement at a time. Asterisk plays over music on hold poorly, so an
 * announcement stops the music, plays, and the music comes back on PlaybackFinished.
 *
 * Which playback a caller hears lives in memory of the engine that started it: after a restart
 * reconcile restarts the music of waiting callers, and a playback that finished meanwhile is done.
 *
 * A caller whose join offered it to an agent at once hears its hold media only if the agent has
 * not answered within the queue's `holdMediaDelayMs` (deferHoldMedia): an answered offer then
 * costs no music start and stop (two requests and a music generator on the PBX, issue 12).
 */
import { randomUUID } from 'node:crypto';
import type { QueueDef } from '../domain/queue.js';
import { announcementPlaybackId } from '../domain/idPrefixes.js';
import { isPbxError } from '../pbx/port.js';
import { perEngine, type AcdContext } from './context.js';

interface MediaState {
  /** callId → the announcement it hears. */
  playing: Map<string, { playbackId: string; channelId: string }>;
  /** playbackId → callId. */
  byPlayback: Map<string, string>;
  /** Channels we made ring (a bridge does not end that indication by itself). */
  ringing: Set<string>;
  /** callId → ms epoch of its last announcement (minimum interval between two). */
  lastAt: Map<string, number>;
  /** Caller channels whose hold media waits for the delay (deferHoldMedia) → its timer. */
  deferred: Map<string, NodeJS.Timeout>;
}

/** How long a caller offered on its join waits before its hold media starts, unless the queue says. */
export const DEFAULT_HOLD_MEDIA_DELAY_MS = 500;

const stateOf = perEngine((): MediaState => ({ playing: new Map(), byPlayback: new Map(), ringing: new Set(), lastAt: new Map(), deferred: new Map() }));

/** Runs a PBX request on a channel that may be gone or out of Stasis by now. */
async function quietly(ctx: AcdContext, what: string, request: () => Promise<void>): Promise<void> {
  try {
    await request();
  } catch (err) {
    if (!isPbxError(err)) throw err;
    if (!isPbxError(err, 'not_found')) ctx.logger.debug({ err, what }, 'media request refused');
  }
}

export async function startHoldMedia(ctx: AcdContext, channelId: string, queue: QueueDef): Promise<void> {
  cancelDeferred(stateOf(ctx), channelId);
  if (queue.ringInsteadOfMoh) {
    stateOf(ctx).ringing.add(channelId);
    await ctx.pbx.ring(channelId);
  } else {
    await ctx.pbx.startMoh(channelId, queue.musicClass);
  }
}

/** Stops music and ringing (either may be on after an overflow into a queue of the other kind). */
export async function stopHoldMedia(ctx: AcdContext, channelId: string): Promise<void> {
  const state = stateOf(ctx);
  cancelDeferred(state, channelId);
  state.ringing.delete(channelId);
  await quietly(ctx, 'stopMoh', () => ctx.pbx.stopMoh(channelId));
  await quietly(ctx, 'ringStop', () => ctx.pbx.ringStop(channelId));
}

function cancelDeferred(state: MediaState, channelId: string): boolean {
  const timer = state.deferred.get(channelId);
  if (timer === undefined) return false;
  clearTimeout(timer);
  return state.deferred.delete(channelId);
}

/**
 * The caller's join offered it to an agent: its hold media starts after the queue's delay, unless
 * the call is connected (or its media otherwise handled) by then. Under the call's lock, so the
 * start never crosses a bridge's stop of the music.
 */
export function deferHoldMedia(ctx: AcdContext, callId: string, channelId: string, queue: QueueDef): void {
  const state = stateOf(ctx);
  cancelDeferred(state, channelId);
  const timer = setTimeout(() => {
    void ctx.locks
      .run(callId, async () => {
        if (state.deferred.get(channelId) !== timer) return; // bridged, left or started meanwhile
        state.deferred.delete(channelId);
        const call = await ctx.store.getCall(callId);
        if (call && call.state !== 'connected') await quietly(ctx, 'hold media', () => startHoldMedia(ctx, channelId, queue));
      })
      .catch((err: unknown) => ctx.logger.error({ err, callId }, 'hold media not started'));
  }, queue.holdMediaDelayMs ?? DEFAULT_HOLD_MEDIA_DELAY_MS);
  timer.unref();
  state.deferred.set(channelId, timer);
}

/** The caller is being bridged: true when its hold media never started (nothing to stop), and it never will. */
export function takeDeferredHoldMedia(ctx: AcdContext, channelId: string): boolean {
  return cancelDeferred(stateOf(ctx), channelId);
}

/** Whether an announcement may start now: none playing (one at a time) and none within `minIntervalMs`. */
export function mayAnnounce(ctx: AcdContext, callId: string, minIntervalMs: number): boolean {
  const state = stateOf(ctx);
  return !state.playing.has(callId) && Date.now() - (state.lastAt.get(callId) ?? 0) >= minIntervalMs;
}

/** Stops the hold media and plays `media`; the hold media comes back when it finishes (see onPlaybackFinished). */
export async function playAnnouncement(ctx: AcdContext, callId: string, channelId: string, media: string[]): Promise<void> {
  const state = stateOf(ctx);
  if (state.playing.has(callId) || media.length === 0) return;
  const playbackId = announcementPlaybackId(randomUUID());
  state.playing.set(callId, { playbackId, channelId });
  state.byPlayback.set(playbackId, callId);
  state.lastAt.set(callId, Date.now());
  try {
    await stopHoldMedia(ctx, channelId);
    await ctx.pbx.play(channelId, media, playbackId);
  } catch (err) {
    state.playing.delete(callId);
    state.byPlayback.delete(playbackId);
    if (!isPbxError(err)) throw err;
    ctx.logger.info({ err, callId }, 'announcement not played');
  }
}

/**
 * The agent answered or the caller leaves: the announcement stops now, so it never delays the
 * bridge, and nothing restarts the hold media afterwards. Ringing stops too.
 */
export async function stopAnnouncements(ctx: AcdContext, callId: string): Promise<void> {
  const state = stateOf(ctx);
  const current = state.playing.get(callId);
  if (current) {
    state.playing.delete(callId);
    state.byPlayback.delete(current.playbackId);
    await quietly(ctx, 'stopPlayback', () => ctx.pbx.stopPlayback(current.playbackId));
  }
  const channelId = current?.channelId ?? callId;
  if (state.ringing.delete(channelId)) await quietly(ctx, 'ringStop', () => ctx.pbx.ringStop(channelId));
}

/** PlaybackFinished of one of our announcements: the caller, still waiting, hears its hold media again. */
export async function onPlaybackFinished(ctx: AcdContext, playbackId: string): Promise<void> {
  const state = stateOf(ctx);
  const callId = state.byPlayback.get(playbackId);
  if (callId === undefined) return;
  await ctx.locks.run(callId, async () => {
    const current = state.playing.get(callId);
    if (current?.playbackId !== playbackId) return; // stopped for the bridge or the exit meanwhile
    state.playing.delete(callId);
    state.byPlayback.delete(playbackId);
    const call = await ctx.store.getCall(callId);
    if (!call || call.state === 'connected') return;
    const queue = await ctx.store.getQueue(call.queue);
    if (queue) await quietly(ctx, 'resume hold media', () => startHoldMedia(ctx, current.channelId, queue));
  });
}

/** Forgets a caller channel that left (no request: it is gone). Its call id is the channel id. */
export function forgetChannel(ctx: AcdContext, channelId: string): void {
  const state = stateOf(ctx);
  cancelDeferred(state, channelId);
  state.ringing.delete(channelId);
  state.lastAt.delete(channelId);
  const current = state.playing.get(channelId);
  if (current) state.byPlayback.delete(current.playbackId);
  state.playing.delete(channelId);
}

/** Reconcile: a waiting caller hears its queue's hold media again (music or ringing); an unknown queue gets default music. */
export async function resumeHoldMedia(ctx: AcdContext, channelId: string, queue: QueueDef | undefined): Promise<void> {
  if (queue) await startHoldMedia(ctx, channelId, queue);
  else await ctx.pbx.startMoh(channelId);
}
