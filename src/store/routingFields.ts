/**
 * The routing part of a queue definition as the flat fields the Lua reads from the queue hash
 * (src/store/lua/includes/route.lua, offerFailed-3.lua). Pure. '' = field removed, default applies.
 */
import type { QueueRouting, SkillMatch } from '../domain/routing.js';

/** How many levels a step takes off each requirement; RELAX_ALL ignores skills (route.lua). */
const RELAX_ALL = 99;
function relaxOf(match: SkillMatch): number {
  if (match === 'all') return 0;
  if (match === 'skills') return 4; // max level 5 - 4 = 1: any level
  if (match === 'none') return RELAX_ALL;
  return Number(match.slice('levels-'.length));
}

const msOf = (seconds: number | undefined) => (seconds === undefined ? '' : String(seconds * 1000));
const text = (n: number | undefined) => (n === undefined ? '' : String(n));

/** [field, value] pairs for upsertQueue. */
export function routingFields(r: QueueRouting): [string, string][] {
  let endS = 0;
  const steps = (r.steps ?? []).map((step, i, all) => {
    const last = i === all.length - 1 || step.timeoutS === undefined;
    endS += step.timeoutS ?? 0;
    return `${last ? -1 : endS}:${relaxOf(step.match)}`;
  });
  const rules = [...(r.penaltyRules ?? [])].sort((a, b) => a.afterS - b.afterS).map((p) => `${p.afterS}:${p.maxPenalty}`);
  return [
    ['steps', steps.join(',')],
    ['penaltyRules', rules.join(',')],
    ['maxPenalty', text(r.maxPenalty)],
    ['ringStepS', text(r.ringStepS)],
    ['maxNoAnswer', text(r.maxNoAnswer)],
    ['retryMs', msOf(r.retryS)],
    ['busyRetryMs', msOf(r.busyRetryS)],
    ['rejectRetryMs', msOf(r.rejectRetryS)],
    // pools.lua reads only '0' (ringInUse false); unset = true, app_queue's default.
    ['ringInUse', r.ringInUse === false ? '0' : ''],
  ];
}
