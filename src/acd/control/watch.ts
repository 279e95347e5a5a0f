/**
 * Call control creates channels the queue flow ignores (supervisor legs, snoops, transfer legs)
 * and watches channels it does not own (the agent leg a supervisor listens to). This registry
 * holds the handlers per channel id; the event router (src/acd/eventRouter.ts) delivers to it the
 * events of the control legs, and the queue flow those of the queue legs (hook `legEvent`).
 */
import type { ChannelInfo, DialStatus, PbxEvent } from '../../pbx/port.js';
import type { ChannelEvent } from '../eventRouter.js';

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

  constructor(private readonly onError: (err: unknown, event: PbxEvent) => void) {}

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

  /**
   * Runs the watchers of the event's channel, all started at once; resolves when all are done
   * (a failing one is logged, the others go on). Undefined when nobody watches the channel.
   */
  deliver(e: ChannelEvent): Promise<void> | undefined {
    const target = e.type === 'channelEnteredApp' ? e.channel.id : e.type === 'dialProgress' ? e.peerChannelId : e.channelId;
    const set = this.handlers.get(target);
    if (!set) return undefined;
    const runs = [...set].map((h) => {
      let pending: Promise<void> | void = undefined;
      try {
        if (e.type === 'channelEnteredApp') pending = h.entered?.(e.channel);
        else if (e.type === 'dialProgress') pending = h.dial?.(e.status);
        else if (e.type === 'channelLeftApp') pending = h.gone?.();
        else if (e.type === 'dtmfReceived') pending = h.dtmf?.(e.digit);
        else if (e.type === 'channelEnteredBridge') pending = h.bridged?.(e.bridgeId);
      } catch (err) {
        pending = Promise.reject(err);
      }
      return Promise.resolve(pending).catch((err: unknown) => this.onError(err, e));
    });
    return Promise.all(runs).then(() => undefined);
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
