/**
 * Contract tests: each recorded Asterisk 22.10.1 trace is replayed against the simulator over
 * real HTTP and WebSocket. REST statuses and bodies, and every subject's event sequence (types in
 * order with their key fields) must match what the real Asterisk did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { AriTestClient } from './ariTestClient.js';
import { IdMap, loadTrace, replay, restShape, type ReplayResult, type Wait } from './traceReplay.js';

const TIME_SCALE = 0.1;

const started = (key: string): Wait => ({ key, sig: 'StasisStart' });
const ended = (key: string): Wait => ({ key, sig: 'StasisEnd' });
const destroyed = (key: string): Wait => ({ key, sig: 'ChannelDestroyed' });

/** Per scenario: what the app waits for before its n-th REST request (as the recording app did). */
const SCENARIOS: Record<string, Record<number, Wait[]>> = {
  'answered-call': {
    1: [started('caller-1795247318599;2')],
    4: [started('agent-1795247318657')],
    5: [{ key: 'agent-1795247318657', sig: 'Dial ANSWER' }],
    8: [destroyed('agent-1795247318657')],
    9: [ended('caller-1795247318599;2')],
  },
  'originate-agent': {
    1: [started('caller-1795247323978;2')],
    4: [started('agent-1795247323984')],
    8: [destroyed('agent-1795247323984')],
    9: [ended('caller-1795247323978;2')],
  },
  'agent-no-answer': {
    1: [started('caller-1795247328297;2')],
    4: [started('agent-1795247328301')],
    5: [destroyed('agent-1795247328301')],
    6: [destroyed('agent2-1795247331305;2')],
  },
  'agent-busy': {
    1: [started('caller-1795247335117;2')],
    3: [started('agent-1795247335122')],
    4: [{ key: 'agent-1795247335122', sig: 'Dial BUSY' }],
    5: [destroyed('agent-1795247335122')],
  },
  'caller-abandon': {
    1: [started('caller-1795247335930;2')],
    4: [started('agent-1795247335936')],
    5: [ended('caller-1795247335930;2'), { key: 'agent-1795247335936', sig: 'Dial RINGING' }],
    6: [destroyed('agent-1795247335936')],
  },
  'dtmf-and-playback': {
    1: [started('caller-1795247339746;2')],
    3: [{ key: 'playback:72195978-1335-42b7-b8ee-92e75c15fed2', sig: 'PlaybackFinished' }],
    4: [{ key: 'playback:313ed6d1-c045-4aa6-a18d-93d0c36f64e6', sig: 'PlaybackFinished' }],
    5: [{ key: 'playback:2d9fa837-d3de-4727-8d0b-247e57b9ae26', sig: 'PlaybackStarted' }],
    6: [{ key: 'caller-1795247339746;2', sig: 'ChannelDtmfReceived' }, { key: 'playback:2d9fa837-d3de-4727-8d0b-247e57b9ae26', sig: 'PlaybackFinished' }],
  },
  'hold-mute-snoop-record': {
    1: [started('caller-1795247353381;2')],
    3: [started('agent-1795247353421')],
    // The recording app was slower than this replay: the agent phone had reached Wait(TALK) by now.
    10: [{ key: 'recording:rec-1795247353741', sig: 'RecordingStarted' }, { key: 'agent-1795247353421;2', sig: 'ChannelCallerId' }],
    11: [started('snoop-1795247353744')],
    12: [{ key: 'recording:rec-1795247353741', sig: 'RecordingFinished' }],
    14: [ended('snoop-1795247353744')],
    16: [destroyed('agent-1795247353421;2'), destroyed('agent-1795247353421')],
    19: [ended('caller-1795247353381;2')],
  },
  'agent-unavailable': {
    1: [started('caller-1795247710861;2')],
    6: [started('agent-nx-1795247710913')],
    8: [started('agent-rej-1795247710925')],
    9: [destroyed('agent-rej-1795247710925')],
  },
};

function compareRest(result: ReplayResult): void {
  for (const { request, expected, actual } of result.rest) {
    expect(actual.status, request).toBe(expected.status);
    if (expected.status >= 400) {
      expect(actual.body, request).toEqual(expected.body);
      continue;
    }
    expect(shapeForCompare(actual.body, result.ids, expected.body), request).toEqual(shapeForCompare(expected.body, result.ids, expected.body));
  }
}

/** Bridges left over from earlier recording runs are not part of the scenario: keep only the ones it created. */
function shapeForCompare(body: unknown, ids: IdMap, traceBody: unknown): unknown {
  if (Array.isArray(traceBody) && traceBody.some((b) => b && typeof b === 'object' && 'bridge_type' in b)) {
    const own = new Set(traceBody.filter((b) => ids.has(String((b as { id: string }).id))).map((b) => ids.apply(String((b as { id: string }).id))));
    return (restShape(body, ids) as { id: string }[]).filter((b) => own.has(b.id));
  }
  if (Array.isArray(body)) return (restShape(body, ids) as { id: string }[]).sort((a, b) => a.id.localeCompare(b.id));
  if (body && typeof body === 'object' && 'channel_ids' in body) {
    const app = body as { channel_ids: string[]; bridge_ids: string[] };
    return { ...app, channel_ids: [...app.channel_ids].sort(), bridge_ids: app.bridge_ids.filter((b) => ids.has(b) || body !== traceBody).map((b) => ids.apply(b)) };
  }
  return restShape(body, ids);
}

describe('simulator replays the recorded Asterisk traces', () => {
  let sim: Simulator;
  let client: AriTestClient;

  beforeEach(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE });
    client = new AriTestClient(sim.url);
    await client.connect('acd');
  });

  afterEach(async () => {
    client.close();
    await sim.close();
  });

  for (const [name, waits] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const trace = loadTrace(name);
      const result = await replay(trace, client, waits);
      compareRest(result);
      const subjects = new Set([...result.expected.keys(), ...result.actual.keys()]);
      for (const key of subjects) {
        expect(result.actual.get(key) ?? [], `events about ${key}`).toEqual(result.expected.get(key) ?? []);
      }
    });
  }
});
