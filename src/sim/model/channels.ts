import type { Cancel, SimClock } from '../clock.js';
import type { DialTarget } from '../dialplan.js';

export type ChannelState = 'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
export interface Party {
  name: string;
  number: string;
}
export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}
export type MuteDirection = 'in' | 'out' | 'both';

/**
 * How a channel came to exist. It decides what Asterisk does after StasisEnd:
 * - `create`: POST /channels/create; a thread runs Stasis() and hangs the channel up after it.
 * - `originate`: the dialed leg of POST /channels (or an agent leg); enters Stasis when answered.
 * - `dialplan`: runs dialplan (the `;2` half of a Local pair, a caller's phone); after Stasis the
 *   dialplan goes on and notices the hangup (another, soft, ChannelHangupRequest).
 * - `snoop`: a snoop channel.
 */
export type ChannelOrigin = 'create' | 'originate' | 'dialplan' | 'snoop';

/** The simulated person behind a channel, driven by `sim.answer` / `sim.hangup` and the app's answer. */
export interface RemoteParty {
  /** The far end picks up; false when it is not ringing. */
  answer(): boolean;
  /** The far end hangs up with this Q.850 cause. */
  hangup(cause: number): void;
  /** The app answered this channel (a caller's phone starts its hold/DTMF timers). */
  answeredByApp?(): void;
}

export class SimChannel {
  state: ChannelState;
  caller: Party;
  connected: Party;
  dialplan: DialplanLocation;
  /** The dialplan app the snapshot shows again once the channel has left Stasis (e.g. in ChannelDestroyed). */
  restingApp: Pick<DialplanLocation, 'app_name' | 'app_data'>;
  language = 'en';
  readonly createdAt: number;
  /** Channel variables by their full name (`__HOLD`), in the order they were set. */
  readonly vars = new Map<string, string>();
  /** Apps subscribed explicitly (create/originate with `app`, a create's `originator`): they get events until ChannelDestroyed. */
  readonly subscribers = new Set<string>();
  stasis?: { app: string; args: string[] };
  bridgeId?: string;
  /** Until when (ms epoch) the channel is still being pushed out of a bridge that was destroyed (see destroyBridge). */
  leavingDestroyedBridgeUntil = 0;
  /** Last BRIDGEPEER value, so a change (and only a change) is reported. */
  bridgePeer = '';
  moh?: string;
  ringing = false;
  held = false;
  muted = new Set<'in' | 'out'>();
  /** The other half of a Local channel pair. */
  localPeer?: SimChannel;
  /** The resource part of the endpoint (`1001@agents`), reported in Dial events. */
  dialstring = '';
  /** Kept by POST /channels/create for the later `dial` (Asterisk keeps the dial string in a datastore). */
  dialTarget?: DialTarget;
  /** The channel this snoop channel listens to. */
  snoopTargetId?: string;
  remote?: RemoteParty;
  hangingUp = false;
  destroyed = false;
  private readonly cancels = new Set<Cancel>();

  constructor(
    readonly id: string,
    public name: string,
    readonly origin: ChannelOrigin,
    init: { state: ChannelState; caller: Party; connected?: Party; dialplan: DialplanLocation; createdAt: number },
  ) {
    this.state = init.state;
    this.caller = { ...init.caller };
    this.connected = { ...(init.connected ?? init.caller) };
    this.dialplan = { ...init.dialplan };
    this.restingApp = { app_name: init.dialplan.app_name, app_data: init.dialplan.app_data };
    this.createdAt = init.createdAt;
  }

  get runsDialplan(): boolean {
    return this.origin === 'dialplan';
  }

  get muteDirection(): MuteDirection | undefined {
    if (this.muted.size === 2) return 'both';
    return [...this.muted][0];
  }

  /** Looks a variable up the way Asterisk does: `HOLD` finds `__HOLD` (inheritance prefixes are not part of the name). */
  variable(name: string): string | undefined {
    const bare = stripInheritance(name);
    for (const [key, value] of this.vars) if (stripInheritance(key) === bare) return value;
    return undefined;
  }

  /** Variables a channel created or dialed on behalf of this one inherits (`_X` and `__X`). */
  inheritableVars(): [string, string][] {
    return [...this.vars].filter(([key]) => key.startsWith('_'));
  }

  /** A timer owned by this channel: cancelled when the channel is destroyed. */
  after(clock: SimClock, simulatedMs: number, fn: () => void): Cancel {
    const cancel = clock.after(simulatedMs, () => {
      this.cancels.delete(cancel);
      if (!this.destroyed) fn();
    });
    this.cancels.add(cancel);
    return cancel;
  }

  cancelTimers(): void {
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }
}

const stripInheritance = (name: string): string => name.replace(/^_{1,2}/, '');

/** All live channels plus the counters Asterisk uses for names and unique ids. */
export class ChannelStore {
  private readonly byId = new Map<string, SimChannel>();
  private sequence = 0;
  private snoopSequence = 0;
  private uniqueSequence = 0;
  /** Told after a channel is added / removed (endpoint state, src/sim/deviceEndpoints.ts). */
  onChange?: (channel: SimChannel, added: boolean) => void;

  constructor(private readonly now: () => number) {}

  add(channel: SimChannel): SimChannel {
    this.byId.set(channel.id, channel);
    this.onChange?.(channel, true);
    return channel;
  }

  remove(channel: SimChannel): void {
    if (this.byId.get(channel.id) !== channel) return;
    this.byId.delete(channel.id);
    this.onChange?.(channel, false);
  }

  get(id: string): SimChannel | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  all(): SimChannel[] {
    return [...this.byId.values()];
  }

  /** `-0000003f`: the suffix Asterisk gives every channel name (one counter for all technologies). */
  nextNameSuffix(): string {
    return `-${(this.sequence++).toString(16).padStart(8, '0')}`;
  }

  nextSnoopSuffix(): string {
    return `-${(this.snoopSequence++).toString(16).padStart(8, '0')}`;
  }

  /** An Asterisk-style unique id (`1795247353.123`) for channels the client did not name. */
  nextUniqueId(): string {
    let id: string;
    do id = `${Math.floor(this.now() / 1000)}.${this.uniqueSequence++}`;
    while (this.byId.has(id));
    return id;
  }
}
