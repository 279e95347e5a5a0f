/**
 * A caller's skill requirements: from the Stasis args (`skills=english:3+billing:2`) or, when the
 * args give none, from the channel variable ACD_SKILLS (same form) set in the dialplan, e.g. by an
 * IVR: `Set(ACD_SKILLS=english:3)`. Caller entry passes the result to `store.enqueue({ skills })`.
 */
import { parseSkills, type Skills } from '../domain/routing.js';
import { isPbxError } from '../pbx/port.js';
import type { AcdContext } from './context.js';
import type { StasisEntry } from './stasisArgs.js';

export const SKILLS_VARIABLE = 'ACD_SKILLS';

type CallerEntry = Extract<StasisEntry, { role: 'caller' }>;

/**
 * Requirements for a caller; a malformed ACD_SKILLS is logged and ignored (the caller still queues,
 * without requirements). `known`: the channel's variables from its snapshot (ari.conf
 * `channelvars`), which answer without a request when they include ACD_SKILLS.
 */
export async function requirementsFromChannel(ctx: AcdContext, channelId: string, entry: CallerEntry, known?: Record<string, string>): Promise<Skills> {
  if (entry.skills && Object.keys(entry.skills).length > 0) return entry.skills;
  let text = known?.[SKILLS_VARIABLE];
  try {
    text ??= await ctx.pbx.getVariable(channelId, SKILLS_VARIABLE);
  } catch (err) {
    if (isPbxError(err, 'not_found')) return {};
    throw err;
  }
  if (!text) return {};
  try {
    return parseSkills(text);
  } catch (err) {
    ctx.logger.warn({ channelId, value: text, err: (err as Error).message }, `ignoring malformed ${SKILLS_VARIABLE}`);
    return {};
  }
}
