/**
 * The event router classifies each PBX event once and hands it to exactly one handler: a table of
 * sample events, at least one of every kind, each of which must reach its kind's handler and no
 * other; and the router's idle() (Engine.settled()) waits for the handlers of every kind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRouter, classify, type EventHandlers, type EventKind } from '../../src/acd/eventRouter.js';
import type { ChannelInfo, PbxEvent } from '../../src/pbx/port.js';

const channel = (id: string): ChannelInfo => ({ id, name: `PJSIP/x-${id}`, state: 'Ring', callerNumber: '5550001', callerName: '', context: 'acd', exten: 's', appName: 'Stasis', appData: '', createdAt: 0 });
const entered = (id: string, args: string[]): PbxEvent => ({ type: 'channelEnteredApp', channel: channel(id), args });
const left = (channelId: string): PbxEvent => ({ type: 'channelLeftApp', channelId });
const dial = (peerChannelId: string): PbxEvent => ({ type: 'dialProgress', peerChannelId, callerChannelId: 'c1', status: 'ANSWER', peerInApp: true });
const playback = (playbackId: string): PbxEvent => ({ type: 'playbackFinished', playbackId, channelId: 'c1', mediaUri: 'sound:beep', failed: false });

/** Control legs a control call follows in these samples. */
const FOLLOWED = new Set(['acd-cs-1', 'acd-sup-1', 'acd-snoop-1', 'acd-out-1-a', 'acd-rd-1']);

const SAMPLES: [what: string, event: PbxEvent, kind: EventKind][] = [
  ['a caller entering a queue', entered('1733.1', ['sales', 'priority=5']), 'callerLeg'],
  ['a caller with invalid args', entered('1733.2', []), 'callerLeg'],
  ['a consult to a queue: its queue call', entered('acd-csq-1', ['sales']), 'callerLeg'],
  ['a caller leaving', left('1733.1'), 'callerLeg'],
  ['a caller pressing a key', { type: 'dtmfReceived', channelId: '1733.1', digit: '5', durationMs: 100 }, 'callerLeg'],
  ['a caller entering a bridge', { type: 'channelEnteredBridge', bridgeId: 'b1', channelId: '1733.1' }, 'callerLeg'],
  ['an outbound destination handed to a queue (no control call follows it)', left('acd-out-2-b'), 'callerLeg'],
  ['an agent leg in Stasis', entered('acd-agent-1', ['agent', 'a1', '1733.1']), 'agentLeg'],
  ['an agent leg ringing', dial('acd-agent-1'), 'agentLeg'],
  ['an agent leg destroyed', { type: 'channelDestroyed', channelId: 'acd-agent-1', cause: 16, causeText: 'Normal Clearing' }, 'agentLeg'],
  ['an agent leg leaving', left('acd-agent-1'), 'agentLeg'],
  ['a callback customer leg in Stasis', entered('acd-cb-1', ['callback', '1733.1']), 'callbackLeg'],
  ['a callback customer answering', dial('acd-cb-1'), 'callbackLeg'],
  ['a callback customer leaving', left('acd-cb-1'), 'callbackLeg'],
  ['a consult leg in Stasis', entered('acd-cs-1', ['consult', 'cs-1733.1']), 'consultLeg'],
  ['a consult leg answering', dial('acd-cs-1'), 'consultLeg'],
  ['a supervisor phone in Stasis', entered('acd-sup-1', ['monitor', 's1', '1733.1']), 'supervisorLeg'],
  ['a supervisor phone answering', dial('acd-sup-1'), 'supervisorLeg'],
  ['a snoop in Stasis', entered('acd-snoop-1', ['snoop', '1733.1']), 'supervisorLeg'],
  ['a snoop leaving', left('acd-snoop-1'), 'supervisorLeg'],
  ['an outbound agent leg in Stasis', entered('acd-out-1-a', ['outbound', 'ob-1', 'agent']), 'controlLeg'],
  ['an outbound destination pressing a key', { type: 'dtmfReceived', channelId: 'acd-out-1-a', digit: '1', durationMs: 100 }, 'controlLeg'],
  ['a redirect leg in Stasis', entered('acd-rd-1', ['transfer', 'rd-1733.1']), 'controlLeg'],
  ['a redirect leg answering', dial('acd-rd-1'), 'controlLeg'],
  ["a waiting caller's announcement ended", playback('acd-ann-1'), 'callerPlayback'],
  ['a park slot announcement ended', playback('park-1733.1-17'), 'parkAnnouncement'],
  ['a recording ended', { type: 'recordingFinished', name: 'r1', target: 'bridge:b1', durationS: 3, failed: false }, 'recording'],
  ["an agent phone's device state", { type: 'endpointStateChanged', endpoint: 'PJSIP/a1', state: 'online', channelIds: [] }, 'deviceState'],
  ['connected', { type: 'connected', reconnect: false }, 'connection'],
  ['disconnected', { type: 'disconnected', reason: 'socket closed' }, 'connection'],
  ['the app taken over', { type: 'appReplaced' }, 'connection'],
  ['a playback started (not used)', { type: 'playbackStarted', playbackId: 'acd-ann-1', channelId: '1733.1', mediaUri: 'sound:x' }, 'unknown'],
];

const silent = pino({ level: 'silent' });
const followed = (id: string) => FOLLOWED.has(id);

/** Handlers for every kind that note which kind got which event; `gate` lets a test hold them. */
function recordingHandlers(gate?: Promise<void>) {
  const calls: [EventKind, PbxEvent][] = [];
  const note = (kind: EventKind) => async (event: PbxEvent) => {
    calls.push([kind, event]);
    await gate;
  };
  const handlers: EventHandlers = {
    callerLeg: note('callerLeg'),
    agentLeg: note('agentLeg'),
    callbackLeg: note('callbackLeg'),
    consultLeg: note('consultLeg'),
    supervisorLeg: note('supervisorLeg'),
    controlLeg: note('controlLeg'),
    callerPlayback: note('callerPlayback'),
    parkAnnouncement: note('parkAnnouncement'),
    recording: note('recording'),
    deviceState: note('deviceState'),
    connection: note('connection'),
    unknown: note('unknown'),
  };
  return { calls, handlers };
}

describe('event router', () => {
  it('has a sample of every kind', () => {
    expect(new Set(SAMPLES.map(([, , kind]) => kind))).toEqual(new Set(Object.keys(recordingHandlers().handlers)));
  });

  it.each(SAMPLES)('%s reaches its kind handler only', (_what, event, kind) => {
    expect(classify(event, followed).kind).toBe(kind);
    const { calls, handlers } = recordingHandlers();
    new EventRouter(handlers, followed, silent).handle(event);
    // Handlers start synchronously, in the PBX's order.
    expect(calls).toEqual([[kind, event]]);
  });

  it('a control leg no control call follows any more is a caller leg (the queue flow took it over)', () => {
    expect(classify(left('acd-out-1-a'), followed).kind).toBe('controlLeg');
    expect(classify(left('acd-out-1-a'), () => false).kind).toBe('callerLeg');
    // StasisStart goes by the Stasis role, followed or not.
    expect(classify(entered('acd-sup-9', ['monitor', 's1', 'c1']), () => false).kind).toBe('supervisorLeg');
  });

  it.each(SAMPLES)('idle() waits for the handler of %s', async (_what, event) => {
    let release!: () => void;
    const { handlers } = recordingHandlers(new Promise<void>((resolve) => (release = resolve)));
    const router = new EventRouter(handlers, followed, silent);
    router.handle(event);
    let idle = false;
    const waiting = router.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(router.pending).toBe(1);
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(router.pending).toBe(0);
  });

  it('a failing handler is logged, reported and counts as done', async () => {
    const { handlers } = recordingHandlers();
    const errors: unknown[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const reported: unknown[] = [];
    const failure = new Error('redis down');
    const router = new EventRouter({ ...handlers, recording: () => Promise.reject(failure) }, followed, logger, (err) => reported.push(err));
    router.handle({ type: 'recordingFinished', name: 'r1', target: 'bridge:b1', durationS: 3, failed: false });
    await router.idle();
    expect(errors).toEqual([expect.objectContaining({ kind: 'recording', event: 'recordingFinished', msg: 'event handling failed' })]);
    expect(reported).toEqual([failure]);
  });
});

it('the engine is the only PBX event subscriber in src/acd (through the event router)', () => {
  const dir = fileURLToPath(new URL('../../src/acd/', import.meta.url));
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const subscribers = files.filter((f) => /\.onEvent\(/.test(readFileSync(dir + f, 'utf8')));
  expect(subscribers).toEqual(['engine.ts']);
  expect(readFileSync(dir + 'engine.ts', 'utf8').match(/\.onEvent\(/g)).toHaveLength(1);
});
