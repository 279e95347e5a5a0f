/**
 * Who is asking: the role and, for an agent key, the agent it may act as; for a ticket, the
 * agents and queues whose events it may read. `credential` names the key or ticket for logs and
 * per-credential caps; it is never the secret itself.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ApiKey, AuthSettings, Role } from './settings.js';
import { hashKey } from './settings.js';

export interface StreamScope {
  agents: string[];
  queues: string[];
}

export interface Principal {
  role: Role;
  /** Set for role agent: the only agent it may act on. */
  agentId?: string;
  credential: string;
  /** Set for API keys (and their tickets): the SHA-256 of the key, so a ticket dies with its key. */
  keyHash?: string;
  /** Set for tickets: the events it may see (an event matches when its agent or queue is listed). */
  scope?: StreamScope;
}

export const OPEN_PRINCIPAL: Principal = { role: 'admin', credential: 'open' };

/** The configured key with this value, compared by hash in constant time. */
export function findApiKey(settings: AuthSettings, presented: string): ApiKey | undefined {
  const hash = Buffer.from(hashKey(presented), 'hex');
  // Every key is compared (no early exit) so timing does not tell which prefix matched.
  let found: ApiKey | undefined;
  for (const key of settings.apiKeys) {
    if (timingSafeEqual(hash, Buffer.from(key.keyHash, 'hex'))) found = key;
  }
  return found;
}

export function principalOfKey(key: ApiKey): Principal {
  return { role: key.role, agentId: key.agentId, credential: key.name, keyHash: key.keyHash };
}
