/**
 * The timed part of waiting: max wait (TIMEOUT), leave-when-empty checks, position / hold-time
 * announcements and periodic announcements. Each is a BullMQ job fenced by the caller's joinSeq
 * (one stay in one queue: an overflow or a new call starts fresh chains, and a late job finds a
 * different joinSeq and does nothing); repeating ones schedule their next run with seq + 1.
 */
import { periodicMedia, positionMedia } from './announcements.js';
import type { AcdContext } from './context.js';
import { mayAnnounce, playAnnouncement } from './holdMedia.js';
import { exitQueue } from './queueExit.js';
import type { CallerTimerJob } from './timers.js';
import { notifyAll } from './hooks.js';
import { scheduleCaller } from './waitExperience.js';

export async function onCallerTimer(ctx: AcdContext, job: CallerTimerJob): Promise<void> {
  await ctx.locks.run(job.callId, async () => {
    const stay = await ctx.store.stayOf(job.callId);
    if (!stay || stay.joinSeq !== job.joinSeq || stay.state === 'connected') return;
    if (job.what === 'callback') return notifyAll(ctx.hooks.callbackTimer, job);
    // A callback call has no caller on the line: no max wait, no announcements, no leave-empty.
    if (!stay.callerChannel) return;
    const queue = await ctx.store.getQueue(stay.queue);
    if (!queue) return;
    const next = (delayS: number) => scheduleCaller(ctx, { ...job, seq: job.seq + 1 }, delayS);
    const minIntervalMs = (queue.announce?.minIntervalS ?? 0) * 1000;
    switch (job.what) {
      case 'timeout':
        await exitQueue(ctx, job.callId, 'TIMEOUT', { fence: job.joinSeq });
        return;
      case 'leaveEmpty':
        if (!(await exitQueue(ctx, job.callId, 'LEAVEEMPTY', { fence: job.joinSeq, onlyIfEmpty: true }))) await next(queue.leaveEmptyCheckS ?? 5);
        return;
      case 'announce': {
        const announce = queue.announce;
        if (!announce?.frequencyS) return;
        if (mayAnnounce(ctx, job.callId, minIntervalMs)) {
          // Being offered to an agent: next in line, nothing to wait for.
          const info = stay.state === 'offering' ? { position: 1, ewtMs: 0 } : await ctx.store.waitInfo(stay.queue, job.callId);
          await playAnnouncement(ctx, job.callId, stay.callerChannel, positionMedia(info.position, info.ewtMs, announce));
        }
        await next(announce.frequencyS);
        return;
      }
      case 'periodic': {
        const periodic = queue.periodic;
        if (!periodic?.frequencyS) return;
        if (mayAnnounce(ctx, job.callId, minIntervalMs)) {
          await playAnnouncement(ctx, job.callId, stay.callerChannel, periodicMedia(periodic, job.seq));
        }
        await next(periodic.frequencyS);
        return;
      }
    }
  });
}
