/** Everything the simulated PBX is made of, handed to the small modules that act on it. */
import type { Logger } from 'pino';
import type { SimClock } from './clock.js';
import type { EventHub } from './events.js';
import type { ChannelStore } from './model/channels.js';
import type { BridgeStore } from './model/bridges.js';
import type { PlaybackEngine } from './playback.js';
import type { RecordingStore } from './recording.js';
import type { EndpointDirectory } from './endpoints.js';
import type { EndpointSubscriptions } from './deviceEndpoints.js';

export interface SimCore {
  readonly clock: SimClock;
  readonly hub: EventHub;
  readonly channels: ChannelStore;
  readonly bridges: BridgeStore;
  readonly playbacks: PlaybackEngine;
  readonly recordings: RecordingStore;
  readonly endpoints: EndpointDirectory;
  /** Apps subscribed to endpoints (device state, src/sim/deviceEndpoints.ts). */
  readonly endpointSubscriptions: EndpointSubscriptions;
  readonly logger: Logger;
  readonly now: () => number;
  /** Wall-clock ms between a channel's creation and its StasisStart (Asterisk answers /channels/create first). */
  readonly stasisEntryDelayMs: number;
}
