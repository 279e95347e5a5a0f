/**
 * What answers a dial string: a scripted endpoint first, else the dialplan the ARI traces were
 * recorded with:
 *   [callers]  q-<queue>  => the `;2` half runs Stasis(acd,<queue>); the `;1` half is the caller's
 *                            phone (context callerphone): after answer it waits HOLD s
 *                            (sending DIGITS after 1 s when set), then hangs up.
 *   [acd-consult] <queue> => the `;2` half runs Stasis(acd,<queue>): an agent's consult to a
 *                            queue (src/acd/control/consult.ts) waits there like a caller; the
 *                            `;1` half answers when the engine answers the `;2` half.
 *   [agents]   1xxx => Ringing, Wait(RING), Answer, Wait(TALK), Hangup
 *              2xxx => Ringing, Wait(120)                (never answers)
 *              3xxx => Busy                              (Dial BUSY)
 *              4xxx => Hangup(21)                        (rejected)
 * Any other Local extension does not exist; any other technology is not registered.
 */
import { badRequest } from './errors.js';
import type { EndpointBehaviour, EndpointDirectory } from './endpoints.js';

export type AgentPhone = 'answer' | 'noanswer' | 'busy' | 'reject';

export type DialTarget =
  | { kind: 'scripted'; technology: string; resource: string; behaviour: EndpointBehaviour }
  | { kind: 'localAgent'; resource: string; exten: string; context: string; phone: AgentPhone }
  | { kind: 'localCaller'; resource: string; exten: string; context: string; queue: string }
  | { kind: 'localConsult'; resource: string; exten: string; context: string; queue: string }
  | { kind: 'localMissing'; resource: string; exten: string; context: string }
  | { kind: 'unavailable' };

const AGENT_PHONES: Record<string, AgentPhone> = { '1': 'answer', '2': 'noanswer', '3': 'busy', '4': 'reject' };

/** Defaults for the agent phones when the channel does not set RING / TALK (seconds). */
export const DEFAULT_RING_S = 1;
export const DEFAULT_TALK_S = 10;
/** Answer() on a Local channel takes about half a second before the next application runs. */
export const ANSWER_SETTLE_MS = 500;
/** The caller phone sends DIGITS this long after being answered. */
export const CALLER_DIGITS_AFTER_MS = 1000;

export function resolveDialTarget(endpoints: EndpointDirectory, endpoint: string): DialTarget {
  const slash = endpoint.indexOf('/');
  const technology = slash > 0 ? endpoint.slice(0, slash) : '';
  const resource = slash > 0 ? endpoint.slice(slash + 1) : '';
  if (!technology || !resource) throw badRequest('Invalid endpoint specified');
  const scripted = endpoints.get(endpoint);
  if (scripted) return scripted.kind === 'unavailable' ? { kind: 'unavailable' } : { kind: 'scripted', technology, resource, behaviour: scripted };
  if (technology.toLowerCase() !== 'local') return { kind: 'unavailable' };
  const at = resource.indexOf('@');
  const exten = at >= 0 ? resource.slice(0, at) : resource;
  const context = at >= 0 ? resource.slice(at + 1) : 'default';
  const queue = /^q-(.+)$/.exec(exten)?.[1];
  if (context === 'callers' && queue) return { kind: 'localCaller', resource, exten, context, queue };
  if (context === 'acd-consult') return { kind: 'localConsult', resource, exten, context, queue: exten };
  const phone = /^[1-4]\d{3}$/.test(exten) ? AGENT_PHONES[exten[0]!] : undefined;
  if (context === 'agents' && phone) return { kind: 'localAgent', resource, exten, context, phone };
  return { kind: 'localMissing', resource, exten, context };
}

/** `"Customer" <5551234>`, `Customer <5551234>` or `5551234`, as Asterisk's callerid parser reads them. */
export function parseCallerId(callerId: string | undefined): { name: string; number: string } | undefined {
  if (!callerId) return undefined;
  const match = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(callerId);
  if (match) return { name: (match[1] ?? match[2] ?? '').trim(), number: (match[3] ?? '').trim() };
  return /^[\d+*#]+$/.test(callerId.trim()) ? { name: '', number: callerId.trim() } : { name: callerId.trim(), number: '' };
}

/** A channel variable holding seconds (RING, TALK, HOLD) in simulated ms; undefined when unset or not a number. */
export function secondsVariable(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
