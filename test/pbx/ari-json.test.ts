import { describe, expect, it } from 'vitest';
import { parseAriTimestamp, toBridgeInfo, toChannelInfo } from '../../src/pbx/ari/ari-json.js';
import { traceRestResponse } from './traces.js';

describe('ARI JSON conversion', () => {
  it('reads ARI timestamps with a colon-less offset', () => {
    expect(parseAriTimestamp('2026-11-21T07:48:38.626+0000')).toBe(Date.UTC(2026, 10, 21, 7, 48, 38, 626));
    expect(parseAriTimestamp('2026-11-21T09:48:38.626+0200')).toBe(Date.UTC(2026, 10, 21, 7, 48, 38, 626));
    expect(parseAriTimestamp(undefined)).toBe(0);
    expect(parseAriTimestamp('garbage')).toBe(0);
  });

  it('turns a recorded GET /channels/{id} answer into ChannelInfo', () => {
    const json = traceRestResponse('GET', /^\/channels\/[^/]+$/) as Record<string, never>;
    expect(toChannelInfo(json)).toEqual({
      id: 'caller-1795247348799;2',
      name: 'Local/q-sales@callers-0000003f;2',
      state: 'Up',
      callerNumber: '5551234',
      callerName: 'Customer',
      context: 'callers',
      exten: 'q-sales',
      appName: 'Stasis',
      appData: 'acd,sales',
      createdAt: Date.UTC(2026, 10, 21, 7, 49, 8, 800),
    });
  });

  it('keeps the channel variables of a snapshot (ari.conf channelvars, as Asterisk 22 sends them)', () => {
    const json = { id: 'c1', channelvars: { ACD_SKILLS: 'english:3', OTHER: '' } };
    expect(toChannelInfo(json).variables).toEqual({ ACD_SKILLS: 'english:3', OTHER: '' });
    expect(toChannelInfo({ id: 'c1' })).not.toHaveProperty('variables');
    expect(toChannelInfo({ id: 'c1', channelvars: 'junk' } as never)).not.toHaveProperty('variables');
  });

  it('turns a recorded bridge into BridgeInfo', () => {
    const [bridge] = traceRestResponse('GET', /^\/bridges$/) as Array<Record<string, never>>;
    expect(toBridgeInfo(bridge!)).toEqual({ id: '4d49cadf-55e7-430a-a786-a1015df548cd', name: 'held', channelIds: [] });
  });
});
