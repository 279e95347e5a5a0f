/** The HTTP layer's auth services: settings, the ticket store, the destination and endpoint guards. */
import type { Redis } from 'ioredis';
import { destinationGuard, type DestinationCheck } from './destinations.js';
import { createEndpointPolicy, type EndpointPolicy } from './endpoints.js';
import type { AuthSettings } from './settings.js';
import { createTicketStore, keyStillGrants, type TicketStore } from './tickets.js';

export interface ApiAuth {
  settings: AuthSettings;
  tickets: TicketStore;
  /**
   * Toll-fraud guard for originate / redirect routes: throws AcdError `forbidden` (403) unless
   * `dest` matches the configured allow-list (`auth.destinationAllowList`; empty = nothing).
   */
  assertDestinationAllowed: DestinationCheck;
  /** Which endpoints agents and supervisors may have dialled (src/auth/endpoints.ts). */
  endpoints: EndpointPolicy;
}

export function createApiAuth(settings: AuthSettings, redis: Redis, prefix: string): ApiAuth {
  return {
    settings,
    tickets: createTicketStore(redis, prefix, settings.ticketTtlS, (grant) => keyStillGrants(settings, grant)),
    assertDestinationAllowed: destinationGuard(settings.destinationAllowList),
    endpoints: createEndpointPolicy(settings),
  };
}
