/**
 * One CTI WebSocket session: initialises the client from the current state (an agent already
 * logged in, offered a call, talking or in wrap-up is restored as such, then `session.initialized`),
 * streams its CTI events, and answers its commands. Events and the initial state go out in order
 * through one promise chain.
 */
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { EventHub } from '../api/eventHub.js';
import { runCommand, type CtiDeps, type SessionRole } from './commands.js';
import { ctiEventsFor, pendingOf, reasonLabel } from './events.js';
import { parseRequest, parseTarget, toFailure, type CtiEvent, type CtiRequest } from './protocol.js';
import { sessionState } from './state.js';
import { AcdError } from '../domain/errors.js';
import type { AgentSnapshot } from '../domain/agent.js';

export interface SessionOptions {
  ws: WebSocket;
  session: string;
  role: SessionRole;
  deps: CtiDeps;
  hub: EventHub;
  logger: Logger;
}

async function initialEvents(o: SessionOptions): Promise<CtiEvent[]> {
  const ev = (event: string, data: Record<string, unknown>): CtiEvent => ({ event, target: o.session, data });
  const agentState = (a: AgentSnapshot) =>
    ev('agent.state', { agentId: a.id, status: a.status, reason: a.reason, label: reasonLabel(o.deps.reasons, a.reason), callId: a.callId, by: '', ...pendingOf(o.deps.reasons, a.pending) });
  if (o.role === 'supervisor') {
    const monitor = o.deps.control.monitorOf(o.session);
    return [...(await o.deps.store.listAgents()).map(agentState), ...(monitor ? [ev('supervisor.state', { ...monitor })] : [])];
  }
  const { agent, dialog } = await sessionState(o.deps.store, o.session);
  const events = [agentState(agent)];
  if (dialog?.state === 'alerting') {
    const call = await o.deps.store.getCall(dialog.callId);
    if (call) events.push(ev('call.offered', { callId: call.id, queue: call.queue, callerNumber: call.callerNumber, callerName: call.callerName, waitMs: Date.now() - call.joinedAt, priority: call.priority }));
  }
  if (dialog) events.push(ev('dialog.state', { ...dialog }));
  return events;
}

export function startSession(o: SessionOptions): void {
  const log = o.logger.child({ ctiSession: o.session, role: o.role });
  const send = (msg: unknown) => {
    if (o.ws.readyState === WebSocket.OPEN) o.ws.send(JSON.stringify(msg));
  };
  let chain: Promise<void> = initialEvents(o).then(
    (events) => {
      for (const e of events) send(e);
      send({ event: 'session.initialized', target: o.session, data: { role: o.role } });
    },
    (err: unknown) => {
      send({ event: 'error', target: o.session, data: toFailure(err) });
      o.ws.close(4404, 'session cannot be initialised');
    },
  );
  const unsubscribe = o.hub.subscribe(undefined, (stored) => {
    chain = chain
      .then(async () => {
        for (const e of await ctiEventsFor(o.role, o.session, stored.event, o.deps.store, o.deps.reasons)) send(e);
      })
      .catch((err) => log.error({ err }, 'CTI event failed'));
  });

  o.ws.on('message', (raw) => {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    void (async () => {
      let req: CtiRequest | undefined;
      try {
        req = parseRequest(text);
        const { session, callId } = parseTarget(req.target);
        if (session !== o.session) throw new AcdError('forbidden', `target '${req.target}' is not this session (${o.session})`, { field: 'target' });
        const data = await runCommand(o.role, req.command, { deps: o.deps, session, callId, data: req.data });
        send({ command: req.command, target: req.target, result: 'success', data: data ?? {} });
      } catch (err) {
        const failure = toFailure(err);
        if (failure.code === 'generalError') log.error({ err, command: req?.command }, 'CTI command failed');
        send({ command: req?.command ?? '', target: req?.target ?? '', result: 'failure', data: failure, request: req ?? text });
      }
    })();
  });
  o.ws.on('close', unsubscribe);
  o.ws.on('error', (err) => log.warn({ err }, 'CTI socket error'));
}
