/** A ticket's WebSocket handshake: the ticket checked and a place under its key's stream cap taken. */
import type { Duplex } from 'node:stream';
import type { Principal } from '../auth/principal.js';
import { principalOfTicket, type TicketStore } from '../auth/tickets.js';
import type { StreamCap } from './streamCap.js';
import { refuseUpgrade } from './upgrade.js';

/** The ticket's principal and the cap release; undefined when the handshake was refused (401, 429). */
export async function admitTicketUpgrade(tickets: TicketStore, cap: StreamCap, id: string, socket: Duplex): Promise<{ principal: Principal; release: () => void } | undefined> {
  const ticket = await tickets.use(id);
  if (!ticket) {
    refuseUpgrade(socket, 401, { status: 'error', code: 'unauthorized', message: 'unknown or expired ticket' });
    return undefined;
  }
  const principal = principalOfTicket(ticket);
  try {
    return { principal, release: cap.acquire(principal.credential) };
  } catch (err) {
    refuseUpgrade(socket, 429, { status: 'error', code: 'too_many_requests', message: (err as Error).message });
    return undefined;
  }
}
