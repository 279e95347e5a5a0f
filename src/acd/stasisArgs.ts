/**
 * The Stasis() arguments the engine understands, as a pure parser.
 *   caller:     Stasis(acd,<queue>[,key=value...])   e.g. Stasis(acd,sales,priority=5)
 *               keys: priority (0-999), skills (`english:3+billing:2`, levels 1-5: routing requirements)
 *   agent leg:  Stasis(acd,agent,<agentId>,<callId>)  (set by the engine when it creates the leg)
 *   other legs: Stasis(acd,<role>,...) with a reserved role word (snoop, consult, callback...):
 *               channels the engine itself creates for call control; the module that created
 *               them handles their events, the queue flow ignores them.
 * Queue ids may not be reserved role words (config validation enforces it).
 */
import { parseSkills, type Skills } from '../domain/routing.js';

export const RESERVED_ROLES = ['agent', 'snoop', 'callback', 'consult', 'outbound', 'park', 'transfer', 'monitor'] as const;
export type OtherRole = Exclude<(typeof RESERVED_ROLES)[number], 'agent'>;

export type StasisEntry =
  | { role: 'caller'; queue: string; priority: number; skills?: Skills; options: Record<string, string> }
  | { role: 'agent'; agentId: string; callId: string }
  | { role: 'other'; name: OtherRole; args: string[] }
  | { role: 'invalid'; reason: string };

const isOtherRole = (word: string): word is OtherRole => word !== 'agent' && (RESERVED_ROLES as readonly string[]).includes(word);

const MAX_PRIORITY = 999;

export function parseStasisArgs(args: string[]): StasisEntry {
  const [first, ...rest] = args;
  if (!first) return { role: 'invalid', reason: 'no queue given: use Stasis(acd,<queue>)' };
  if (first === 'agent') {
    const [agentId, callId] = rest;
    if (!agentId || !callId) return { role: 'invalid', reason: 'agent leg without agent id and call id' };
    return { role: 'agent', agentId, callId };
  }
  if (isOtherRole(first)) return { role: 'other', name: first, args: rest };
  const options: Record<string, string> = {};
  for (const arg of rest) {
    const eq = arg.indexOf('=');
    if (eq <= 0) return { role: 'invalid', reason: `argument '${arg}' is not key=value` };
    options[arg.slice(0, eq).trim()] = arg.slice(eq + 1).trim();
  }
  let priority = 0;
  if (options.priority !== undefined) {
    priority = Number(options.priority);
    if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
      return { role: 'invalid', reason: `priority must be an integer from 0 to ${MAX_PRIORITY}, got '${options.priority}'` };
    }
  }
  if (options.skills === undefined) return { role: 'caller', queue: first, priority, options };
  let skills: Skills;
  try {
    skills = parseSkills(options.skills);
  } catch (e) {
    return { role: 'invalid', reason: `skills: ${(e as Error).message}` };
  }
  return { role: 'caller', queue: first, priority, skills, options };
}

/** `acd,sales,priority=5` (a channel's dialplan app_data) → the args after the app name. */
export function argsFromAppData(appData: string): string[] {
  return appData.split(',').slice(1);
}
