/**
 * Hangup causes of agent legs. StasisEnd (the end of a channel for the app) carries no cause;
 * the cause comes with ChannelDestroyed, which often follows StasisEnd (traces: timeout → cause
 * 19, reject → 21). So the engine waits a short grace for ChannelDestroyed before deciding
 * whether an offer rang out, was rejected or failed. ChannelDestroyed is often handled before
 * anyone settles (the dispatcher looks the call up in Redis first): it is remembered, so settling
 * then never waits for the grace timer. (ChannelHangupRequest, which carries the same cause
 * earlier, is not subscribed to: src/pbx/ari/normalize-event.ts says why.)
 */
const ARI_SOFT_HANGUP = 32; // "requested by ARI": ours or Dial's own timeout; never the verdict

export class HangupCauses {
  /** Channels whose ChannelDestroyed came before anyone settled them, with the cause it told. */
  private readonly destroyed = new Map<string, number | undefined>();
  private readonly waiters = new Map<string, (cause: number | undefined) => void>();

  noteDestroyed(channelId: string, cause: number): void {
    const verdict = cause !== ARI_SOFT_HANGUP && cause > 0 ? cause : undefined;
    const waiter = this.waiters.get(channelId);
    if (waiter) waiter(verdict);
    else this.destroyed.set(channelId, verdict);
  }

  /** The channel's cause once ChannelDestroyed came (at once if it already had); undefined if it did not within `graceMs`. Forgets the channel. */
  async settle(channelId: string, graceMs: number): Promise<number | undefined> {
    const cause = this.destroyed.has(channelId)
      ? this.destroyed.get(channelId)
      : await new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), graceMs);
          this.waiters.set(channelId, (c) => {
            clearTimeout(timer);
            resolve(c);
          });
        });
    this.forget(channelId);
    return cause;
  }

  /** Drops what is known about a channel nobody will settle. */
  forget(channelId: string): void {
    this.waiters.delete(channelId);
    this.destroyed.delete(channelId);
  }
}
