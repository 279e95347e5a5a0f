/**
 * Stream tickets: a browser's EventSource / WebSocket cannot send an API-key header, so a client
 * holding a key asks for a ticket (`POST /ticket`) and puts it in the URL instead. A ticket is
 * random, short-lived (TTL renewed on every use, so an open stream or a polling client keeps it),
 * scoped to the agents and queues asked for, and kept in Redis so any engine instance accepts it.
 * Long-poll clients that send no position resume from the position stored with the ticket.
 * A ticket is bound to the key that asked for it (its hash, role and agent): once that key is
 * gone from the configuration, the ticket is deleted at its next use instead of renewed.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Principal, StreamScope } from './principal.js';
import type { AuthSettings, Role } from './settings.js';

export interface Ticket {
  role: Role;
  agentId?: string;
  /** Name of the credential that asked for it (caps count the ticket's streams under it). */
  credential: string;
  /** SHA-256 of the key that asked for it; absent for tickets of open mode. */
  keyHash?: string;
  scope: StreamScope;
  /** Last event id handed to a long-poll client of this ticket. */
  cursor: string;
}

export interface TicketStore {
  issue(by: Principal, scope: StreamScope, cursor: string): Promise<string>;
  /** The ticket, its TTL renewed; undefined when unknown or expired. */
  use(id: string): Promise<Ticket | undefined>;
  setCursor(id: string, cursor: string): Promise<void>;
  revoke(id: string): Promise<void>;
}

/** Tickets are URL path segments: base64url of 24 random bytes. */
export const TICKET_PATTERN = '^[A-Za-z0-9_-]{32}$';

/** Whether the key a ticket was issued to still exists with the same role and agent. */
export function keyStillGrants(settings: Pick<AuthSettings, 'mode' | 'apiKeys'>, grant: Pick<Ticket, 'keyHash' | 'role' | 'agentId'>): boolean {
  if (grant.keyHash === undefined) return settings.mode === 'open';
  return settings.apiKeys.some((k) => k.keyHash === grant.keyHash && k.role === grant.role && k.agentId === grant.agentId);
}

export function createTicketStore(redis: Redis, prefix: string, ttlS: number, alive: (grant: Omit<Ticket, 'cursor'>) => boolean): TicketStore {
  const key = (id: string) => `${prefix}ticket:${id}`;
  return {
    async issue(by, scope, cursor) {
      const id = randomBytes(24).toString('base64url');
      const grant = { role: by.role, agentId: by.agentId, credential: by.credential, keyHash: by.keyHash, scope };
      await redis.multi().hset(key(id), 'grant', JSON.stringify(grant), 'cursor', cursor).expire(key(id), ttlS).exec();
      return id;
    },
    async use(id) {
      const replies = await redis.multi().hgetall(key(id)).expire(key(id), ttlS).exec();
      const hash = replies?.[0]?.[1] as Record<string, string> | undefined;
      if (!hash?.grant) return undefined;
      const grant = JSON.parse(hash.grant) as Omit<Ticket, 'cursor'>;
      if (!alive(grant)) {
        await redis.del(key(id));
        return undefined;
      }
      return { ...grant, cursor: hash.cursor ?? '0' };
    },
    async setCursor(id, cursor) {
      // XX semantics: a ticket that expired meanwhile is not brought back.
      await redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'cursor', ARGV[1]) end return 1", 1, key(id), cursor);
    },
    async revoke(id) {
      await redis.del(key(id));
    },
  };
}

export function principalOfTicket(ticket: Ticket): Principal {
  // The cap counts a ticket's streams with those of the key that asked for it.
  return { role: ticket.role, agentId: ticket.agentId, credential: ticket.credential, keyHash: ticket.keyHash, scope: ticket.scope };
}
