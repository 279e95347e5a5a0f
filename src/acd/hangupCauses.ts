/**
 * Hangup causes of agent legs. StasisEnd (the end of a channel for the app) carries no cause;
 * the cause comes with ChannelHangupRequest and ChannelDestroyed, which often follow StasisEnd
 * (traces: timeout → destroyed cause 19, reject → 21). So the engine waits a short grace for
 * ChannelDestroyed before deciding whether an offer rang out, was rejected or failed.
 */
const ARI_SOFT_HANGUP = 32; // "requested by ARI": ours or Dial's own timeout; never the verdict

export class HangupCauses {
  private readonly causes = new Map<string, number>();
  private readonly waiters = new Map<string, (cause: number | undefined) => void>();

  noteRequested(channelId: string, cause: number): void {
    if (cause !== ARI_SOFT_HANGUP && cause > 0) this.causes.set(channelId, cause);
  }

  noteDestroyed(channelId: string, cause: number): void {
    this.noteRequested(channelId, cause);
    this.waiters.get(channelId)?.(this.causes.get(channelId));
  }

  /** The channel's cause once ChannelDestroyed came, or what is known after `graceMs`. Forgets the channel. */
  async settle(channelId: string, graceMs: number): Promise<number | undefined> {
    const cause = await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(this.causes.get(channelId)), graceMs);
      this.waiters.set(channelId, (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    this.waiters.delete(channelId);
    this.causes.delete(channelId);
    return cause;
  }
}
