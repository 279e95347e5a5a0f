/**
 * Hangup causes of agent legs. StasisEnd (the end of a channel for the app) carries no cause;
 * the cause comes with ChannelHangupRequest and ChannelDestroyed, which often follow StasisEnd
 * (traces: timeout → destroyed cause 19, reject → 21). So the engine waits a short grace for
 * ChannelDestroyed before deciding whether an offer rang out, was rejected or failed.
 * ChannelDestroyed is often handled before anyone settles (the dispatcher looks the call up in
 * Redis first): it is remembered, so settling then never waits for the grace timer.
 */
const ARI_SOFT_HANGUP = 32; // "requested by ARI": ours or Dial's own timeout; never the verdict

export class HangupCauses {
  private readonly causes = new Map<string, number>();
  private readonly destroyed = new Set<string>();
  private readonly waiters = new Map<string, (cause: number | undefined) => void>();

  noteRequested(channelId: string, cause: number): void {
    if (cause !== ARI_SOFT_HANGUP && cause > 0) this.causes.set(channelId, cause);
  }

  noteDestroyed(channelId: string, cause: number): void {
    this.noteRequested(channelId, cause);
    const waiter = this.waiters.get(channelId);
    if (waiter) waiter(this.causes.get(channelId));
    else this.destroyed.add(channelId);
  }

  /** The channel's cause once ChannelDestroyed came (at once if it already had), or what is known after `graceMs`. Forgets the channel. */
  async settle(channelId: string, graceMs: number): Promise<number | undefined> {
    const cause = this.destroyed.has(channelId)
      ? this.causes.get(channelId)
      : await new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(this.causes.get(channelId)), graceMs);
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
    this.causes.delete(channelId);
    this.destroyed.delete(channelId);
  }
}
