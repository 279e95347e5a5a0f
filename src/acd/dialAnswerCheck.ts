/**
 * Asterisk 22.10.1 now and then sends no `Dial` ANSWER for a channel dialed in Stasis with a
 * caller that answers at once: the leg is Up and no event says so (4 of 6,400 such dials on the
 * real Asterisk, 2026-12-07; docs/testing-with-asterisk.md). A leg dialed in Stasis is therefore
 * looked at once a second while its dial has not reported: found Up, it is taken as answered.
 * Only such legs (call control's, a manual-answer agent's) are looked at; originated legs enter
 * Stasis once answered and need no look.
 */
import type { ChannelInfo } from '../pbx/port.js';

const CHECK_EVERY_MS = 1_000;
/** Longer than any ring timeout. */
const CHECK_FOR_MS = 120_000;

export interface DialAnswerCheck {
  /** The channel as the PBX has it now (undefined: gone). */
  channelNow(channelId: string): Promise<ChannelInfo | undefined>;
  /** False once the dial reported, or the leg is no longer followed: the look stops. */
  stillDialing(): boolean;
  /** The leg is Up with no word of its answer. */
  answered(): Promise<void>;
  onError(err: unknown): void;
}

/**
 * Starts the look at `channelId`. It stops when `stillDialing` says so, when the leg is gone, after
 * CHECK_FOR_MS, or when the PBX cannot answer (after a reconnect the repairs read every leg).
 */
export function checkDialAnswer(channelId: string, c: DialAnswerCheck): void {
  const since = Date.now();
  const later = () => setTimeout(() => void look().catch((err: unknown) => c.onError(err)), CHECK_EVERY_MS).unref();
  const look = async (): Promise<void> => {
    if (!c.stillDialing() || Date.now() - since > CHECK_FOR_MS) return;
    const channel = await c.channelNow(channelId).catch(() => undefined);
    if (!channel || !c.stillDialing()) return;
    if (channel.state === 'Up') await c.answered();
    else later();
  };
  later();
}
