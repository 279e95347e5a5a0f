/**
 * What the position / hold-time and periodic announcements say, as media URIs (app_queue's
 * sounds). Pure: the timers in waitTimers.ts decide when, holdMedia.ts plays them.
 */
import type { Announcements, PeriodicAnnouncements } from '../domain/callerExperience.js';

const sound = (name: string) => `sound:${name}`;

/** Hold time in app_queue's words: "less than 1 minute", "N minute(s)", "N minutes M seconds" (seconds rounded to 5). */
export function holdTimeMedia(ewtMs: number): string[] {
  if (ewtMs < 60_000) return [sound('queue-less-than'), 'number:1', sound('queue-minute')];
  const totalS = Math.round(ewtMs / 5000) * 5;
  const minutes = Math.floor(totalS / 60);
  const seconds = totalS % 60;
  const media = ['number:' + minutes, sound(minutes === 1 ? 'queue-minute' : 'queue-minutes')];
  if (seconds > 0) media.push('number:' + seconds, sound('queue-seconds'));
  return media;
}

/**
 * "You are next" / "there are N calls waiting", then "the estimated hold time is ..." when an
 * estimate exists, then "thank you for your patience". Empty when there is nothing to say.
 */
export function positionMedia(position: number, ewtMs: number, opts: Pick<Announcements, 'position' | 'holdTime'>): string[] {
  if (position < 1) return [];
  const media: string[] = [];
  if (opts.position) media.push(...(position === 1 ? [sound('queue-youarenext')] : [sound('queue-thereare'), `number:${position}`, sound('queue-callswaiting')]));
  if (opts.holdTime && ewtMs > 0) media.push(sound('queue-holdtime'), ...holdTimeMedia(ewtMs));
  if (media.length > 0) media.push(sound('queue-thankyou'));
  return media;
}

/** The `seq`-th periodic announcement: the configured sounds in turn; bare names are `sound:` names. */
export function periodicMedia(periodic: Pick<PeriodicAnnouncements, 'sounds'>, seq: number): string[] {
  const item = periodic.sounds[seq % periodic.sounds.length]!;
  return [item.includes(':') ? item : sound(item)];
}
