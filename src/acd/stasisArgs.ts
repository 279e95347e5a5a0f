/**
 * The Stasis() arguments the engine understands, as a pure parser.
 *   caller:     Stasis(acd,<queue>[,key=value...])   e.g. Stasis(acd,sales,priority=5)
 *   agent leg:  Stasis(acd,agent,<agentId>,<callId>)  (set by the engine when it creates the leg)
 *   snoop:      Stasis(acd,snoop,...)
 */
export type StasisEntry =
  | { role: 'caller'; queue: string; priority: number; options: Record<string, string> }
  | { role: 'agent'; agentId: string; callId: string }
  | { role: 'snoop'; args: string[] }
  | { role: 'invalid'; reason: string };

const MAX_PRIORITY = 999;

export function parseStasisArgs(args: string[]): StasisEntry {
  const [first, ...rest] = args;
  if (!first) return { role: 'invalid', reason: 'no queue given: use Stasis(acd,<queue>)' };
  if (first === 'agent') {
    const [agentId, callId] = rest;
    if (!agentId || !callId) return { role: 'invalid', reason: 'agent leg without agent id and call id' };
    return { role: 'agent', agentId, callId };
  }
  if (first === 'snoop') return { role: 'snoop', args: rest };
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
  return { role: 'caller', queue: first, priority, options };
}

/** `acd,sales,priority=5` (a channel's dialplan app_data) → the args after the app name. */
export function argsFromAppData(appData: string): string[] {
  return appData.split(',').slice(1);
}
