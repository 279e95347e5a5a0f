/**
 * `session.request.incontact.addressbook`: one address book with every agent (its state) and
 * every queue as a skill (agents available / unavailable, estimated wait for a caller joining now).
 */
import type { AgentSnapshot } from '../../domain/agent.js';
import type { AcdStore } from '../../store/types.js';

export const ADDRESS_BOOK_NAME = 'ACD';

const agentEntry = (a: AgentSnapshot) => ({
  name: a.name || a.id,
  type: 'agent',
  destinations: [{ label: 'agent', value: a.id }],
  properties: { state: a.status },
});

export async function addressBooks(store: AcdStore): Promise<{ addressbooks: unknown[] }> {
  const [agents, queues] = await Promise.all([store.listAgents(), store.listQueues()]);
  const skills = await Promise.all(
    queues.map(async (q) => {
      const members = agents.filter((a) => a.status !== 'logged_out' && a.queues.includes(q.id));
      const available = members.filter((a) => a.status === 'ready').length;
      const { ewtMs } = await store.waitInfo(q.id);
      return {
        name: q.name || q.id,
        type: 'skill',
        destinations: [{ label: 'queue', value: q.id }],
        properties: { mediaType: 'voice', numAvailable: available, numUnavailable: members.length - available, ewt: String(Math.round(ewtMs / 1000)) },
      };
    }),
  );
  return { addressbooks: [{ name: ADDRESS_BOOK_NAME, groups: [], entries: [...agents.map(agentEntry), ...skills] }] };
}
