/**
 * Entering the wait: hold media and the first timer of each of the stay's chains (max wait,
 * leave-when-empty, announcements); src/acd/waitTimers.ts runs them when they fire.
 */
import type { QueueDef } from '../domain/queue.js';
import type { AcdContext } from './context.js';
import { deferHoldMedia, DEFAULT_HOLD_MEDIA_DELAY_MS, startHoldMedia } from './holdMedia.js';
import type { CallerTimerJob } from './timers.js';

export type Chain = CallerTimerJob['what'];

export const scheduleCaller = (ctx: AcdContext, job: Omit<CallerTimerJob, 'kind'>, delayS: number) => ctx.timers.scheduleCaller(job, delayS * 1000);

/**
 * The caller now waits in `queue` (joined or overflowed): hold media and this stay's timers.
 * `offered`: its join offered it to an agent already, so the hold media waits (holdMedia.ts).
 */
export async function enterWaitExperience(ctx: AcdContext, callId: string, channelId: string, queue: QueueDef, joinSeq: number, offered = false): Promise<void> {
  if (offered && (queue.holdMediaDelayMs ?? DEFAULT_HOLD_MEDIA_DELAY_MS) > 0) deferHoldMedia(ctx, callId, channelId, queue);
  else await startHoldMedia(ctx, channelId, queue);
  const start = (what: Chain, delayS: number) => scheduleCaller(ctx, { what, callId, joinSeq, seq: 0 }, delayS);
  if (queue.timeoutS) await start('timeout', queue.timeoutS);
  if (queue.leaveWhenEmpty?.length) await start('leaveEmpty', queue.leaveEmptyCheckS ?? 5);
  if (queue.announce?.frequencyS) await start('announce', queue.announce.firstDelayS ?? queue.announce.frequencyS);
  if (queue.periodic?.frequencyS) await start('periodic', queue.periodic.firstDelayS ?? queue.periodic.frequencyS);
}
