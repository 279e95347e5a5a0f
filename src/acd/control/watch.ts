/**
 * Call control creates channels the queue flow ignores (supervisor legs, snoops, transfer legs)
 * and watches channels it does not own (the agent leg a supervisor listens to). This registry is
 * its own subscription to the PBX events: handlers per channel id, nothing else is dispatched.
 */
import type { ChannelInfo, DialStatus, Pbx, PbxEvent } from '../../pbx/port.js';

export interface ChannelHandlers {
  entered?: (channel: ChannelInfo) => Promise<void> | void;
  dial?: (status: DialStatus) => Promise<void> | void;
  gone?: () => Promise<void> | void;
  dtmf?: (digit: string) => Promise<void> | void;
  /** The channel entered a bridge. */
  bridged?: (bridgeId: string) => Promise<void> | void;
}

export class ChannelWatch {
  private readonly handlers = new Map<string, Set<ChannelHandlers>>();
  private readonly unsubscribe: () => void;

  constructor(
    pbx: Pbx,
    private readonly onError: (err: unknown, event: PbxEvent) => void,
    private readonly onConnected: () => void,
    /** DTMF on a channel nobody watches (a queue caller talking to its agent). */
    private readonly onOtherDtmf: (channelId: string, digit: string) => Promise<void>,
  ) {
    this.unsubscribe = pbx.onEvent((e) => this.handle(e));
  }

  /** Returns the function that stops this watch. */
  watch(channelId: string, h: ChannelHandlers): () => void {
    let set = this.handlers.get(channelId);
    if (!set) this.handlers.set(channelId, (set = new Set()));
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0 && this.handlers.get(channelId) === set) this.handlers.delete(channelId);
    };
  }

  isWatched(channelId: string): boolean {
    return this.handlers.has(channelId);
  }

  close(): void {
    this.unsubscribe();
  }

  private handle(e: PbxEvent): void {
    if (e.type === 'connected') return this.onConnected();
    const target = e.type === 'channelEnteredApp' ? e.channel.id : e.type === 'dialProgress' ? e.peerChannelId : 'channelId' in e ? e.channelId : undefined;
    const set = target ? this.handlers.get(target) : undefined;
    if (!set && e.type === 'dtmfReceived') this.onOtherDtmf(e.channelId, e.digit).catch((err) => this.onError(err, e));
    if (!set) return;
    for (const h of [...set]) {
      let pending: Promise<void> | void = undefined;
      if (e.type === 'channelEnteredApp') pending = h.entered?.(e.channel);
      else if (e.type === 'dialProgress') pending = h.dial?.(e.status);
      else if (e.type === 'channelLeftApp') pending = h.gone?.();
      else if (e.type === 'dtmfReceived') pending = h.dtmf?.(e.digit);
      else if (e.type === 'channelEnteredBridge') pending = h.bridged?.(e.bridgeId);
      Promise.resolve(pending).catch((err) => this.onError(err, e));
    }
  }
}

/** Dial outcomes after which a control leg will not answer. */
export const DIAL_FAILED: readonly DialStatus[] = ['BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION', 'CANCEL', 'DONTCALL', 'TORTURE'];

/** What the control-call modules share: the watches each of their calls holds in this process. */
export abstract class TrackedCalls {
  private readonly tracked = new Map<string, (() => void)[]>();

  /** Whether this process follows control call `id` (a reconnect's repair leaves those alone). */
  owns(id: string): boolean {
    return this.tracked.has(id);
  }

  protected keep(id: string, stops: (() => void)[]): void {
    this.tracked.set(id, stops);
  }

  protected untrack(id: string): void {
    for (const stop of this.tracked.get(id) ?? []) stop();
    this.tracked.delete(id);
  }
}
