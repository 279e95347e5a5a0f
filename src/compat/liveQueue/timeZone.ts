/**
 * Live Queue time zones: IANA names, or offsets as its document writes them (`UTC+5:30`,
 * `UTC-3`, `UTC`). Node's Intl takes no bare offsets, so an offset becomes the IANA zone with
 * that fixed offset: `Etc/GMT∓h` for whole hours (POSIX sign), and for the half/quarter-hour
 * offsets the zones that keep them all year. Offsets only found in zones with daylight saving
 * (UTC-3:30, UTC+10:30, UTC+12:45) are refused rather than silently shifted half the year.
 */
import { badRequest } from './errors.js';

const FRACTIONAL: Record<string, string> = {
  '+3:30': 'Asia/Tehran',
  '+4:30': 'Asia/Kabul',
  '+5:30': 'Asia/Kolkata',
  '+5:45': 'Asia/Kathmandu',
  '+6:30': 'Asia/Yangon',
  '+8:45': 'Australia/Eucla',
  '+9:30': 'Australia/Darwin',
  '-9:30': 'Pacific/Marquesas',
};

const OFFSET = /^(?:UTC|GMT)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/i;

function isIana(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The IANA zone for a Live Queue `timeZone`; error 400 naming `extra.timeZone` when unknown. */
export function resolveTimeZone(value: string): string {
  const m = OFFSET.exec(value.trim());
  if (m) {
    const [, sign, hours, minutes = '00'] = m;
    const h = Number(hours ?? 0);
    if (!sign || (h === 0 && minutes === '00')) return 'UTC';
    if (minutes === '00' && h <= (sign === '+' ? 14 : 12)) return `Etc/GMT${sign === '+' ? '-' : '+'}${h}`;
    const zone = FRACTIONAL[`${sign}${h}:${minutes}`];
    if (zone) return zone;
    throw badRequest(`extra.timeZone: '${value}' is not an offset this server can use (whole hours, or ${Object.keys(FRACTIONAL).map((k) => `UTC${k}`).join(', ')})`);
  }
  if (isIana(value)) return value;
  throw badRequest(`extra.timeZone: '${value}' is neither an IANA time zone nor an offset like UTC+5:30`);
}
