/**
 * The engine's one subscriber to PBX events. Each event is classified once, by the tables below,
 * into the kind of thing it is about and handed to the one handler of that kind; the engine gives
 * a handler for every kind at start (src/acd/engine.ts). No handler sees another kind's events,
 * so none depends on the order in which the others run.
 *   channel events  StasisStart by the channel's Stasis role (its args, src/acd/stasisArgs.ts);
 *                   every later event by the prefix of the channel id (the engine names each
 *                   channel it creates); any other id is a caller's. A control leg no control
 *                   call follows any more was handed over to the queue flow (an outbound
 *                   destination transferred to a queue): it is a caller leg from then on.
 *   playbacks       by the playback id's prefix.
 *   the others      by event type; types nobody needs are `unknown`.
 */
import type { Logger } from 'pino';
import type { PbxEvent, PbxEventType } from '../pbx/port.js';
import { ID_PREFIXES as P } from '../domain/idPrefixes.js';
import { parseStasisArgs, type OtherRole, type StasisEntry } from './stasisArgs.js';

/** The events that concern one channel (for dialProgress: the dialed one). */
export type ChannelEvent = Extract<
  PbxEvent,
  { type: 'channelEnteredApp' | 'channelLeftApp' | 'channelDestroyed' | 'dialProgress' | 'dtmfReceived' | 'channelEnteredBridge' }
>;
export type PlaybackFinished = Extract<PbxEvent, { type: 'playbackFinished' }>;
export type ConnectionEvent = Extract<PbxEvent, { type: 'connected' | 'disconnected' | 'appReplaced' }>;

/** What each kind of event carries to its handler. */
export interface EventsByKind {
  /** A queue caller's channel (also a consult's queue call, `acd-csq-`). */
  callerLeg: ChannelEvent;
  /** An agent leg of a queue call (offer, transfer to an agent, retrieve from park). */
  agentLeg: ChannelEvent;
  /** A callback's customer leg. */
  callbackLeg: ChannelEvent;
  /** The consulted party's leg. */
  consultLeg: ChannelEvent;
  /** A supervisor's phone or its snoop on the agent leg. */
  supervisorLeg: ChannelEvent;
  /** Other call-control legs: outbound (agent and destination), redirect to an extension. */
  controlLeg: ChannelEvent;
  /** A waiting caller's announcement ended. */
  callerPlayback: PlaybackFinished;
  /** The parked slot's announcement to the agent ended. */
  parkAnnouncement: PlaybackFinished;
  recording: Extract<PbxEvent, { type: 'recordingFinished' }>;
  deviceState: Extract<PbxEvent, { type: 'endpointStateChanged' }>;
  connection: ConnectionEvent;
  unknown: PbxEvent;
}
export type EventKind = keyof EventsByKind;
export type RoutedEvent = { [K in EventKind]: { kind: K; event: EventsByKind[K] } }[EventKind];

/** One handler for every kind: the type leaves none out and allows no second one. */
export type EventHandlers = { [K in EventKind]: (event: EventsByKind[K]) => Promise<void> | void };

type ChannelKind = 'callerLeg' | 'agentLeg' | 'callbackLeg' | 'consultLeg' | 'supervisorLeg' | 'controlLeg';

/** StasisStart: Stasis role → kind (caller args and invalid ones are a caller's). */
const ROLE_KINDS: Record<Exclude<StasisEntry['role'], 'other'> | OtherRole, ChannelKind> = {
  caller: 'callerLeg',
  invalid: 'callerLeg',
  agent: 'agentLeg',
  callback: 'callbackLeg',
  consult: 'consultLeg',
  monitor: 'supervisorLeg',
  snoop: 'supervisorLeg',
  outbound: 'controlLeg',
  transfer: 'controlLeg',
  park: 'controlLeg',
};

/** Later channel events: channel id prefix (as the creating module names it) → kind. */
const CHANNEL_PREFIX_KINDS: readonly (readonly [prefix: string, kind: ChannelKind])[] = [
  [P.agentLeg, 'agentLeg'],
  [P.callbackLeg, 'callbackLeg'],
  [P.consultLeg, 'consultLeg'], // not acd-csq- (P.consultCall): that is a queue call's caller
  [P.supervisorLeg, 'supervisorLeg'],
  [P.snoop, 'supervisorLeg'],
  [P.outboundLeg, 'controlLeg'],
  [P.redirectLeg, 'controlLeg'], // redirect to an extension
];

/** Kinds whose channels a control call follows while it lasts (src/acd/control/watch.ts). */
const CONTROL_KINDS: ReadonlySet<ChannelKind> = new Set(['consultLeg', 'supervisorLeg', 'controlLeg']);

/** PlaybackFinished: playback id prefix → kind. */
const PLAYBACK_PREFIX_KINDS: readonly (readonly [prefix: string, kind: 'callerPlayback' | 'parkAnnouncement'])[] = [
  [P.announcement, 'callerPlayback'],
  [P.parkAnnouncement, 'parkAnnouncement'],
];

/** The other event types the engine uses; every type not listed here nor a channel event is `unknown`. */
const TYPE_KINDS: Partial<Record<PbxEventType, EventKind>> = {
  recordingFinished: 'recording',
  endpointStateChanged: 'deviceState',
  connected: 'connection',
  disconnected: 'connection',
  appReplaced: 'connection',
};

const channelOf = (e: PbxEvent): string | undefined => {
  switch (e.type) {
    case 'channelEnteredApp':
      return e.channel.id;
    case 'dialProgress':
      return e.peerChannelId;
    case 'channelLeftApp':
    case 'channelDestroyed':
    case 'dtmfReceived':
    case 'channelEnteredBridge':
      return e.channelId;
    default:
      return undefined;
  }
};

const byPrefix = <K>(table: readonly (readonly [string, K])[], id: string): K | undefined => table.find(([prefix]) => id.startsWith(prefix))?.[1];

function channelKind(event: ChannelEvent, channelId: string, followed: (channelId: string) => boolean): ChannelKind {
  if (event.type === 'channelEnteredApp') {
    const entry = parseStasisArgs(event.args);
    return ROLE_KINDS[entry.role === 'other' ? entry.name : entry.role];
  }
  const kind = byPrefix(CHANNEL_PREFIX_KINDS, channelId) ?? 'callerLeg';
  return CONTROL_KINDS.has(kind) && !followed(channelId) ? 'callerLeg' : kind;
}

/**
 * The kind of one event. `followed` tells whether a control call follows a channel now
 * (src/acd/control/watch.ts `isWatched`).
 */
export function classify(event: PbxEvent, followed: (channelId: string) => boolean): RoutedEvent {
  const channelId = channelOf(event);
  if (channelId !== undefined) return { kind: channelKind(event as ChannelEvent, channelId, followed), event: event as ChannelEvent };
  if (event.type === 'playbackFinished') return { kind: byPrefix(PLAYBACK_PREFIX_KINDS, event.playbackId) ?? 'callerPlayback', event };
  return { kind: TYPE_KINDS[event.type] ?? 'unknown', event } as RoutedEvent;
}

/** Routes every event to its kind's handler and keeps the handlers in flight (Engine.settled()). */
export class EventRouter {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly handlers: EventHandlers,
    private readonly followed: (channelId: string) => boolean,
    private readonly logger: Logger,
    /** Told of each failed handling, after it is logged. */
    private readonly failed: (err: unknown) => void = () => undefined,
  ) {}

  /** Called synchronously per event, in the PBX's order: each handler starts before the next event's. */
  handle(event: PbxEvent): void {
    const routed = classify(event, this.followed);
    const task = this.run(routed).catch((err: unknown) => {
      this.logger.error({ err, event: event.type, kind: routed.kind }, 'event handling failed');
      this.failed(err);
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** Events whose handler has not finished. */
  get pending(): number {
    return this.inFlight.size;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async run(routed: RoutedEvent): Promise<void> {
    // One cast for all kinds: `classify` pairs each kind with its event type.
    const handler = this.handlers[routed.kind] as (event: PbxEvent) => Promise<void> | void;
    await handler(routed.event);
  }
}
