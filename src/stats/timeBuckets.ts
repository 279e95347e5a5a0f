/** Labels hour buckets in a time zone, for `groupBy` hourly / daily (pure). */
import { AcdError } from '../domain/errors.js';

export type GroupBy = 'hourly' | 'daily';

export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
  } catch {
    throw new AcdError('validation', `timeZone '${timeZone}' is not a known IANA time zone`, { field: 'timeZone' });
  }
}

/** `2026-11-21` (daily) or `2026-11-21T14:00` (hourly), local to `timeZone`. */
export function bucketLabel(hourMs: number, groupBy: GroupBy, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(hourMs))
      .map((p) => [p.type, p.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  // Zones with half-hour offsets put a UTC hour bucket at hh:30: labelled by its local start.
  return groupBy === 'daily' ? day : `${day}T${parts.hour}:${parts.minute}`;
}
