/**
 * One CTI agent-session protocol connection for agent `session`, over the engine's agent
 * commands. On connect the agent's state is restored (`channel.created`, `channel.infochanged`,
 * `channel.initialized`, then `session.initialized`); every status change of the agent is a
 * `channel.infochanged` + `state.updated`. Messages go out in order through one promise chain.
 */
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { EventHub } from '../../api/eventHub.js';
import type { CtiDeps } from '../../cti/commands.js';
import { parseRequest } from '../../cti/protocol.js';
import type { AgentSnapshot } from '../../domain/agent.js';
import type { AcdEvent } from '../../domain/events.js';
import { AcdError } from '../../domain/errors.js';
import { addressBooks } from './addressBook.js';
import { ACW, VOICE_CHANNEL, channelInfo, failure, objectEvent, resolveTarget, success, type ObjectEvent, type SessionRequest } from './protocol.js';

export interface CtiSessionDeps extends CtiDeps {
  /** Takes the agent out of a queue (`channel.deactivate` with queues). */
  leaveQueue: (queue: string, agentId: string) => Promise<unknown>;
}

export interface CtiSessionOptions {
  ws: WebSocket;
  session: string;
  deps: CtiSessionDeps;
  hub: EventHub;
  logger: Logger;
}

/** Coalesces address-book refreshes for a realtime subscriber. */
const ADDRESS_BOOK_REFRESH_MS = 250;

type Out = (msg: unknown) => void;

interface Context {
  o: CtiSessionOptions;
  send: Out;
  /** The client asked for the address book with `realtime: true`: resend it as the floor changes. */
  realtimeBook: boolean;
}

const channelTarget = (session: string) => `${session}.${VOICE_CHANNEL}`;

/** Queue ids in `channeloptions.queue`: one id, a comma-separated list or an array. */
function queuesIn(options: unknown, field: string): string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new AcdError('validation', `data.${field} must be an object`, { field });
  const queue = (options as Record<string, unknown>).queue;
  if (queue === undefined || queue === '') return [];
  const list = Array.isArray(queue) ? queue : typeof queue === 'string' ? queue.split(',').map((q) => q.trim()) : undefined;
  if (!list || !list.every((q) => typeof q === 'string' && q !== '')) throw new AcdError('validation', `data.${field}.queue must be a queue id, a comma-separated list or an array of them`, { field: `${field}.queue` });
  return list as string[];
}

/** The options object, spelled `channeloptions` or `channelOptions` (the document uses both). */
const optionsOf = (data: Record<string, unknown>) => (data.channeloptions !== undefined ? { field: 'channeloptions', value: data.channeloptions } : { field: 'channelOptions', value: data.channelOptions });

function infoEvents(c: Context, agent: Pick<AgentSnapshot, 'status' | 'reason' | 'pending'>): ObjectEvent[] {
  const info = channelInfo(c.o.deps.reasons, agent);
  const target = channelTarget(c.o.session);
  return [objectEvent(target, 'channel.infochanged', { ...info }), objectEvent(target, 'state.updated', { ...info })];
}

async function agentOf(c: Context): Promise<AgentSnapshot> {
  const agent = await c.o.deps.store.getAgent(c.o.session);
  if (!agent) throw new AcdError('agent_not_found', `agent '${c.o.session}' does not exist`, { field: 'target' });
  return agent;
}

const reasonLabels = (name: string) => [{ language: 'en', country: 'US', name, description: name }];

/** The success reply's data, and the event that follows it (the reason lists, the address book). */
type Handler = (c: Context, req: SessionRequest) => Promise<{ data: Record<string, unknown>; then?: ObjectEvent }>;

const COMMANDS: Record<string, { channel: boolean; run: Handler }> = {
  'channel.activate': {
    channel: true,
    async run(c, req) {
      const { field, value } = optionsOf(req.data);
      const queues = queuesIn(value, field);
      const agent = await agentOf(c);
      if (agent.status !== 'logged_out' && queues.length === 0) throw new AcdError('invalid_state', `channel ${req.target} is already active`);
      if (queues.length > 0 && !c.o.deps.joinQueues) throw new AcdError('validation', 'joining queues is not available here', { field: `${field}.queue` });
      for (const q of queues) if (!(await c.o.deps.store.getQueue(q))) throw new AcdError('queue_not_found', `queue '${q}' does not exist`, { field: `${field}.queue` });
      if (queues.length > 0) await c.o.deps.joinQueues!(queues, c.o.session);
      if (agent.status === 'logged_out') await c.o.deps.agents.login(c.o.session, { by: 'agent' });
      return { data: req.data };
    },
  },
  'channel.deactivate': {
    channel: true,
    async run(c, req) {
      const { field, value } = optionsOf(req.data);
      const queues = queuesIn(value, field);
      if (queues.length > 0) {
        const agent = await agentOf(c);
        const unknown = queues.filter((q) => !agent.queues.includes(q));
        if (unknown.length > 0) throw new AcdError('validation', `agent ${c.o.session} is not in ${unknown.join(', ')}`, { field: `${field}.queue` });
        for (const q of queues) await c.o.deps.leaveQueue(q, c.o.session);
        return { data: req.data };
      }
      const reason = (value as Record<string, unknown> | undefined)?.reason;
      if (reason !== undefined && typeof reason !== 'string' && typeof reason !== 'number') throw new AcdError('validation', `data.${field}.reason must be a logout reason code`, { field: `${field}.reason` });
      await c.o.deps.agents.logout(c.o.session, { reason: reason === undefined ? undefined : String(reason), by: 'agent' });
      return { data: req.data };
    },
  },
  'channel.ready': {
    channel: true,
    async run(c, req) {
      await c.o.deps.agents.ready(c.o.session, { by: 'agent' });
      return { data: req.data };
    },
  },
  'channel.notready': {
    channel: true,
    async run(c, req) {
      const code = req.data.reasoncode;
      if (typeof code !== 'string' || code === '') throw new AcdError('validation', 'data.reasoncode must be "acw" or a not-ready reason code', { field: 'reasoncode' });
      if (code === ACW) await c.o.deps.control.afterCallWork(c.o.session, 'agent');
      else await c.o.deps.agents.notReady(c.o.session, { reason: code, by: 'agent' });
      return { data: req.data };
    },
  },
  'session.request.externalnotreadyreasons': {
    channel: false,
    async run(c, req) {
      const reasonCodes = c.o.deps.reasons.notReady.map((r) => ({ reasonCodeId: r.code, reasonCodeCode: r.code, selectable: true, extensions: [], labels: reasonLabels(r.label) }));
      return { data: req.data, then: objectEvent(c.o.session, 'session.externalnotreadyreasons.updated', { reasonCodes }) };
    },
  },
  'session.request.externallogoutreasons': {
    channel: false,
    async run(c, req) {
      const logoutReasons = c.o.deps.reasons.logout.map((r) => ({ logoutReasonId: r.code, logoutReasonCode: r.code, extensions: [], labels: reasonLabels(r.label) }));
      return { data: req.data, then: objectEvent(c.o.session, 'session.externallogoutreasons.updated', { logoutReasons }) };
    },
  },
  'session.request.incontact.addressbook': {
    channel: false,
    async run(c, req) {
      if (req.data.realtime !== undefined && typeof req.data.realtime !== 'boolean') throw new AcdError('validation', 'data.realtime must be true or false', { field: 'realtime' });
      c.realtimeBook = req.data.realtime === true;
      const book = await addressBooks(c.o.deps.store);
      return { data: book, then: objectEvent(c.o.session, 'session.incontact.addressbook.updated', book) };
    },
  },
};

async function initialEvents(c: Context): Promise<ObjectEvent[]> {
  const agent = await agentOf(c);
  const target = channelTarget(c.o.session);
  return [
    objectEvent(c.o.session, 'channel.created', { channel: { id: VOICE_CHANNEL, name: agent.endpoint, type: 'TELEPHONY', modelType: 'TELEPHONY' } }),
    ...infoEvents(c, agent),
    objectEvent(target, 'channel.initialized'),
    objectEvent(c.o.session, 'session.initialized'),
  ];
}

/** Events that change what the address book shows. */
const FLOOR_EVENTS = new Set<AcdEvent['type']>(['AgentStatus', 'QueueCallerJoin', 'QueueCallerLeave', 'QueueCallerAbandon', 'QueueMemberAdded', 'QueueMemberRemoved']);

export function startCtiSession(o: CtiSessionOptions): void {
  const log = o.logger.child({ ctiSession: o.session, protocol: 'agent-session' });
  const send: Out = (msg) => {
    if (o.ws.readyState === WebSocket.OPEN) o.ws.send(JSON.stringify(msg));
  };
  const c: Context = { o, send, realtimeBook: false };
  let chain: Promise<void> = initialEvents(c).then(
    (events) => events.forEach(send),
    (err: unknown) => {
      send(failure(undefined, '', err));
      o.ws.close(4404, 'session cannot be initialised');
    },
  );
  let bookTimer: NodeJS.Timeout | undefined;
  const refreshBook = () => {
    bookTimer ??= setTimeout(() => {
      bookTimer = undefined;
      chain = chain.then(async () => send(objectEvent(o.session, 'session.incontact.addressbook.updated', await addressBooks(o.deps.store)))).catch((err) => log.error({ err }, 'address book failed'));
    }, ADDRESS_BOOK_REFRESH_MS);
  };
  const unsubscribe = o.hub.subscribe(undefined, ({ event: e }) => {
    if (c.realtimeBook && FLOOR_EVENTS.has(e.type)) refreshBook();
    if (e.type === 'AgentStatus' && e.agentId === o.session) {
      chain = chain.then(() => infoEvents(c, e).forEach(send));
    } else if (e.type === 'AgentPendingStatus' && e.agentId === o.session) {
      chain = chain.then(() => infoEvents(c, { status: e.status, reason: '', pending: { status: e.pending, reason: e.reason } }).forEach(send));
    }
  });

  o.ws.on('message', (raw) => {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    void (async () => {
      let req: SessionRequest | undefined;
      try {
        req = parseRequest(text);
        const command = Object.hasOwn(COMMANDS, req.command) ? COMMANDS[req.command] : undefined;
        if (!command) throw new AcdError('validation', `unknown command '${req.command}' (supported: ${Object.keys(COMMANDS).join(', ')})`, { field: 'command' });
        resolveTarget(req.target, o.session, command.channel);
        const { data, then } = await command.run(c, req);
        // After the chain: a command's reply follows the state events already queued.
        const reply = success(req, data);
        chain = chain.then(() => {
          send(reply);
          if (then) send(then);
        });
      } catch (err) {
        const reply = failure(req, text, err);
        if (reply.failure.code === 'generalError') log.error({ err, command: req?.command }, 'CTI session command failed');
        chain = chain.then(() => send(reply));
      }
    })();
  });
  o.ws.on('close', () => {
    unsubscribe();
    clearTimeout(bookTimer);
  });
  o.ws.on('error', (err) => log.warn({ err }, 'CTI session socket error'));
}
