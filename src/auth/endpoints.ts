/**
 * Toll-fraud guard for the endpoints the engine dials on someone's word: an agent's phone at
 * login (dialled for every offered call and before every outbound `dial`) and a supervisor's
 * phone for monitor / whisper / barge.
 *
 * - Form: every endpoint must match one of `auth.endpointPatterns` (regular expressions); the
 *   default admits the forms an agent phone has (`PJSIP/<name>`, `SIP/<name>`, `IAX2/<name>`,
 *   `Local/<ext>@<context>`) and nothing Asterisk would read as a second destination (`&`),
 *   dial options (`,`), a trunk (`@` after PJSIP) or a Local channel option (`/n`).
 * - Agents: the configured endpoint, or one in `auth.agentEndpoints[<agent>]` (exact strings or
 *   Asterisk patterns, as the destination allow-list).
 * - Supervisors: `auth.supervisorEndpoints` when given, else any endpoint of a valid form.
 */
import { AcdError } from '../domain/errors.js';
import { patternToRegExp } from './destinations.js';

export const DEFAULT_ENDPOINT_PATTERNS = ['^(?:PJSIP|SIP|IAX2)/[A-Za-z0-9_.+-]{1,64}$', '^Local/[A-Za-z0-9_.+*#-]{1,64}@[A-Za-z0-9_.-]{1,64}$'];

export interface EndpointPolicySettings {
  endpointPatterns: readonly string[];
  agentEndpoints: Readonly<Record<string, readonly string[]>>;
  supervisorEndpoints: readonly string[];
}

export interface EndpointPolicy {
  /** AcdError `validation` (400) naming `field` unless the dial string has a configured form. */
  assertForm(endpoint: string, field?: string): void;
  /** Form, then AcdError `forbidden` (403) unless it is the agent's configured endpoint or allow-listed for it. */
  assertAgentEndpoint(agentId: string, configured: string, endpoint: string): void;
  /** Form, then AcdError `forbidden` unless in `supervisorEndpoints` (when that list is given). */
  assertSupervisorEndpoint(endpoint: string): void;
}

/** An excerpt for messages: a hostile 1 MB endpoint is not echoed back. */
const excerpt = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

const anyMatch = (list: readonly RegExp[], text: string) => list.some((re) => re.test(text));

export function createEndpointPolicy(settings: EndpointPolicySettings): EndpointPolicy {
  const forms = settings.endpointPatterns.map((p) => new RegExp(p));
  const perAgent = new Map(Object.entries(settings.agentEndpoints).map(([agent, list]) => [agent, list.map(patternToRegExp)]));
  const supervisors = settings.supervisorEndpoints.map(patternToRegExp);
  const assertForm = (endpoint: string, field = 'endpoint') => {
    if (!anyMatch(forms, endpoint)) throw new AcdError('validation', `${field} '${excerpt(endpoint)}' is not an allowed dial string form (auth.endpointPatterns)`, { field });
  };
  return {
    assertForm,
    assertAgentEndpoint(agentId, configured, endpoint) {
      assertForm(endpoint);
      if (endpoint === configured || anyMatch(perAgent.get(agentId) ?? [], endpoint)) return;
      throw new AcdError('forbidden', `agent ${agentId} may not log in on '${excerpt(endpoint)}' (its endpoint or auth.agentEndpoints)`, { field: 'endpoint' });
    },
    assertSupervisorEndpoint(endpoint) {
      assertForm(endpoint);
      if (supervisors.length > 0 && !anyMatch(supervisors, endpoint)) {
        throw new AcdError('forbidden', `'${excerpt(endpoint)}' is not a supervisor phone (auth.supervisorEndpoints)`, { field: 'endpoint' });
      }
    },
  };
}
