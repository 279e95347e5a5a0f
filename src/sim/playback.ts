/**
 * Channel playbacks. A media list plays item by item: PlaybackStarted, then PlaybackContinuing
 * + PlaybackStarted for each next item, PlaybackFinished (`done`) after the last; a missing item
 * finishes the playback as `failed`. A channel plays one playback at a time; later ones queue.
 */
import { randomUUID } from 'node:crypto';
import type { SimCore } from './core.js';
import { conflict, notFound } from './errors.js';
import type { SimChannel } from './model/channels.js';
import { appsOfChannel } from './model/notify.js';
import type { SoundLibrary } from './sounds.js';
import type { Cancel } from './clock.js';

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed' | 'canceled';

export interface PlaybackJson {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: PlaybackState;
}

class SimPlayback {
  index = 0;
  state: PlaybackState = 'queued';
  cancelTimer?: Cancel;

  constructor(
    readonly id: string,
    readonly media: string[],
    readonly channel: SimChannel,
    readonly language: string,
  ) {}

  json(): PlaybackJson {
    const next = this.media[this.index + 1];
    return {
      id: this.id,
      media_uri: this.media[this.index]!,
      ...(next !== undefined ? { next_media_uri: next } : {}),
      target_uri: `channel:${this.channel.id}`,
      language: this.language,
      state: this.state,
    };
  }
}

export class PlaybackEngine {
  private readonly byId = new Map<string, SimPlayback>();
  /** Per channel: the playing playback first, then the queued ones. */
  private readonly lines = new Map<string, SimPlayback[]>();

  constructor(
    private readonly sounds: SoundLibrary,
    /** Simulated duration of one media item. */
    private readonly itemMs: number,
  ) {}

  play(core: SimCore, ch: SimChannel, opts: { media: string[]; language?: string; playbackId?: string }): PlaybackJson {
    const id = opts.playbackId || randomUUID();
    if (this.byId.has(id)) throw conflict(`Playback with id '${id}' already exists`);
    const playback = new SimPlayback(id, opts.media, ch, opts.language || ch.language);
    this.byId.set(id, playback);
    const line = this.lines.get(ch.id) ?? [];
    this.lines.set(ch.id, line);
    line.push(playback);
    if (line.length === 1) this.startItem(core, playback);
    return playback.json();
  }

  get(id: string): PlaybackJson {
    return this.find(id).json();
  }

  /** DELETE /playbacks/{id}: a playing one finishes as `done`, a queued one is cancelled. */
  stop(core: SimCore, id: string): void {
    const playback = this.find(id);
    this.finish(core, playback, playback.state === 'queued' ? 'canceled' : 'done');
  }

  /** The channel is going away: what it plays ends, what it queued is dropped. */
  channelGone(core: SimCore, ch: SimChannel): void {
    const line = this.lines.get(ch.id);
    if (!line) return;
    const [current, ...queued] = line;
    for (const playback of queued) this.forget(playback);
    if (current) this.finish(core, current, 'done');
    this.lines.delete(ch.id);
  }

  private find(id: string): SimPlayback {
    const playback = this.byId.get(id);
    if (!playback) throw notFound('Playback not found');
    return playback;
  }

  private startItem(core: SimCore, playback: SimPlayback): void {
    playback.state = 'playing';
    this.emit(core, playback, 'PlaybackStarted');
    const uri = playback.media[playback.index]!;
    if (!this.sounds.exists(uri, (name) => core.recordings.hasStored(name))) {
      this.finish(core, playback, 'failed');
      return;
    }
    playback.cancelTimer = core.clock.after(this.itemMs, () => this.itemDone(core, playback));
  }

  private itemDone(core: SimCore, playback: SimPlayback): void {
    playback.cancelTimer = undefined;
    if (playback.index + 1 >= playback.media.length) {
      this.finish(core, playback, 'done');
      return;
    }
    playback.state = 'continuing';
    this.emit(core, playback, 'PlaybackContinuing');
    playback.index += 1;
    this.startItem(core, playback);
  }

  private finish(core: SimCore, playback: SimPlayback, state: 'done' | 'failed' | 'canceled'): void {
    playback.cancelTimer?.();
    playback.state = state;
    this.forget(playback);
    this.emit(core, playback, 'PlaybackFinished');
    const line = this.lines.get(playback.channel.id);
    const next = line?.[0];
    if (next && next.state === 'queued' && !playback.channel.hangingUp) this.startItem(core, next);
  }

  private forget(playback: SimPlayback): void {
    this.byId.delete(playback.id);
    const line = this.lines.get(playback.channel.id);
    if (!line) return;
    const index = line.indexOf(playback);
    if (index >= 0) line.splice(index, 1);
    if (line.length === 0) this.lines.delete(playback.channel.id);
  }

  private emit(core: SimCore, playback: SimPlayback, type: string): void {
    core.hub.emit(appsOfChannel(playback.channel), type, { playback: playback.json() });
  }
}
