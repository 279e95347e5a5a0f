/**
 * Call control creates channels the queue flow ignores (supervisor legs, snoops, transfer legs)
 * and watches channels it does not own (the agent leg a supervisor listens to). This registry
 * holds the handlers per channel id; the event router (src/acd/eventRouter.ts) delivers to it the
 * events of the control legs, and the queue flow those of the queue legs (hook `legEvent`).
 */
import type { ChannelInfo, DialStatus, PbxEvent } from '../../pbx/port.js';
import type { ChannelEvent } from '../eventRouter.js';
import { checkDialAnswer } from '../dialAnswerCheck.js';

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
  /** Dialed legs whose dial has not reported its outcome yet (checkAnswer). */
  private readonly dialing = new Set<string>();
  /** Watched channels whose StasisStart reached their watchers (catchUpEntry). */
  private readonly entered = new Set<string>();

  constructor(
    private readonly onError: (err: unknown, event: PbxEvent) => void,
    /** The channel as the PBX has it now (undefined: gone). */
    private readonly channelNow: (channelId: string) => Promise<ChannelInfo | undefined>,
  ) {}

  /** Returns the function that stops this watch. */
  watch(channelId: string, h: ChannelHandlers): () => void {
    let set = this.handlers.get(channelId);
    if (!set) this.handlers.set(channelId, (set = new Set()));
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size > 0 || this.handlers.get(channelId) !== set) return;
      this.handlers.delete(channelId);
      // Nobody follows its dial any more (a watch stopped before its StasisEnd reached it).
      this.dialing.delete(channelId);
      this.entered.delete(channelId);
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
    // Its entry was caught up already (catchUpEntry), then the real StasisStart came after all.
    if (e.type === 'channelEnteredApp' && this.entered.has(target)) return Promise.resolve();
    // Only final statuses reach here (normalize-event.ts): the dial has reported its outcome.
    if (e.type === 'dialProgress' || e.type === 'channelLeftApp') this.dialing.delete(target);
    if (e.type === 'channelEnteredApp') this.entered.add(target);
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
    const done = Promise.all(runs).then(() => undefined);
    // Its `entered` handler dials it (every control leg with a `dial` handler is dialed on entry);
    // a dial that reported meanwhile needs no look.
    if (e.type === 'channelEnteredApp' && [...set].some((h) => h.dial)) {
      this.dialing.add(target);
      void done.then(() => this.dialing.has(target) && this.checkAnswer(target));
    }
    return done;
  }

  /**
   * After a reconnect: a watched leg in Stasis whose StasisStart its watchers never got (lost with
   * the socket, between the create's answer and the drop) gets it now, so its `entered` step (the
   * dial) runs. Undefined when there is nothing to catch up.
   */
  catchUpEntry(channel: ChannelInfo): Promise<void> | undefined {
    if (this.entered.has(channel.id) || channel.appName !== 'Stasis') return undefined;
    return this.deliver({ type: 'channelEnteredApp', channel, args: [] });
  }

  /** Until the leg's dial reports or the leg is no longer watched: Up is delivered as its ANSWER (dialAnswerCheck.ts). */
  private checkAnswer(channelId: string): void {
    const event: ChannelEvent = { type: 'dialProgress', peerChannelId: channelId, callerChannelId: '', status: 'ANSWER', peerInApp: true };
    checkDialAnswer(channelId, {
      channelNow: this.channelNow,
      stillDialing: () => this.dialing.has(channelId) && this.handlers.has(channelId),
      answered: async () => {
        this.dialing.delete(channelId);
        await this.deliver(event);
      },
      onError: (err) => this.onError(err, event),
    });
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
