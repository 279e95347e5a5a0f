import { describe, expect, it } from 'vitest';
import { classifyAriError, toPbxError } from '../../src/pbx/ari/errors.js';
import { PbxError } from '../../src/pbx/port.js';
import { traceRestErrors } from './traces.js';

describe('classifyAriError', () => {
  it.each([
    [404, '{"message":"Channel not found"}', 'not_found', 'Channel not found'],
    [404, '{"message":"Bridge not found"}', 'not_found', 'Bridge not found'],
    [409, '{"message":"Channel not in Stasis application"}', 'not_in_stasis', 'Channel not in Stasis application'],
    [422, '{"message":"Channel not in Stasis application"}', 'not_in_stasis', 'Channel not in Stasis application'],
    [409, '{"message":"Channel with given unique ID already exists"}', 'conflict', 'Channel with given unique ID already exists'],
    [412, '{"message":"Channel in invalid state"}', 'conflict', 'Channel in invalid state'],
    [400, '{"message":"Invalid endpoint specified"}', 'invalid', 'Invalid endpoint specified'],
    [422, '{"message":"Channel not in this bridge"}', 'invalid', 'Channel not in this bridge'],
    [500, '{"error":"Allocation failed"}', 'allocation_failed', 'Allocation failed'],
    [500, '{"message":"Internal Server Error"}', 'server', 'Internal Server Error'],
    [503, 'Service Unavailable', 'server', 'Service Unavailable'],
    [0, '', 'unavailable', 'HTTP 0'],
  ])('%i %s → %s', (status, body, kind, message) => {
    const error = classifyAriError(status, body, 'channels.dial');
    expect(error).toBeInstanceOf(PbxError);
    expect(error).toMatchObject({ kind, status, message, operation: 'channels.dial' });
  });

  it('classifies every error the real Asterisk answered in the traces', () => {
    const kinds = traceRestErrors().map(({ method, path, status, body }) => `${method} ${path.replace(/[^/]+-\d+(;2)?/g, '{id}')} ${status} → ${classifyAriError(status, body, 'op').kind}`);
    expect(new Set(kinds)).toEqual(
      new Set([
        'POST /channels/create 500 → allocation_failed',
        'POST /channels/{id} 500 → allocation_failed',
        'POST /channels/create 400 → invalid',
        'POST /channels/{id}/answer 404 → not_found',
        'POST /channels/{id}/moh 404 → not_found',
        'DELETE /channels/{id} 404 → not_found',
        'POST /bridges/nonexistent/addChannel 404 → not_found',
      ]),
    );
  });
});

describe('toPbxError', () => {
  it('keeps a PbxError as is', () => {
    const original = new PbxError('unavailable', 0, 'down', 'channels.answer');
    expect(toPbxError(original, 'other')).toBe(original);
  });

  it('treats a failure to build the request as invalid', () => {
    expect(toPbxError('channelId is a required path param.', 'channels.answer')).toMatchObject({ kind: 'invalid', status: 0, message: 'channelId is a required path param.' });
  });
});
