import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../src/api/errors.js';
import { redactUrl } from '../../src/api/logging.js';
import { formatSseEvent, matchesFilter } from '../../src/api/sse.js';
import { AcdError } from '../../src/domain/errors.js';
import type { AcdEvent } from '../../src/domain/events.js';

const join: AcdEvent = { type: 'QueueCallerJoin', ts: 1, callId: 'c1', queue: 'sales', position: 1, callerNumber: '1', callerName: 'A\nB', priority: 0 };
const status: AcdEvent = { type: 'AgentStatus', ts: 2, agentId: '1001', status: 'ready', previous: 'not_ready', reason: '', callId: '', by: 'api' };
const called: AcdEvent = { type: 'AgentCalled', ts: 3, callId: 'c1', queue: 'sales', agentId: '1001', endpoint: 'PJSIP/1001', agentChannel: 'x' };

describe('SSE wire format', () => {
  it('writes id, event and one-line JSON data, ended by a blank line', () => {
    expect(formatSseEvent({ id: '5-1', event: join })).toBe(`id: 5-1\nevent: QueueCallerJoin\ndata: ${JSON.stringify(join)}\n\n`);
    expect(formatSseEvent({ id: '5-1', event: join }).split('\n')).toHaveLength(5);
  });

  it('filters on the queue and on the agent of an event', () => {
    expect([join, status, called].filter((e) => matchesFilter(e, { queue: 'sales' })).map((e) => e.type)).toEqual(['QueueCallerJoin', 'AgentCalled']);
    expect([join, status, called].filter((e) => matchesFilter(e, { agent: '1001' })).map((e) => e.type)).toEqual(['AgentStatus', 'AgentCalled']);
    expect([join, status, called].filter((e) => matchesFilter(e, { queue: 'sales', agent: '1001' })).map((e) => e.type)).toEqual(['AgentCalled']);
    expect([join, status, called].filter((e) => matchesFilter(e, {}))).toHaveLength(3);
  });
});

describe('toErrorResponse', () => {
  it('maps AcdErrors to their own status and code', () => {
    expect(toErrorResponse(new AcdError('invalid_state', 'agent 1 is busy'))).toEqual({
      statusCode: 409,
      body: { status: 'error', code: 'invalid_state', message: 'agent 1 is busy' },
    });
  });

  it('keeps the status of Fastify request errors under the validation code', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toErrorResponse(tooLarge)).toEqual({ statusCode: 413, body: { status: 'error', code: 'validation', message: 'Request body is too large' } });
  });

  it('turns anything else into a generic 500 internal', () => {
    const foreign = Object.assign(new Error('db password wrong'), { statusCode: 400 });
    expect(toErrorResponse(foreign)).toEqual({ statusCode: 500, body: { status: 'error', code: 'internal', message: 'internal error' } });
    expect(toErrorResponse('a string')).toMatchObject({ statusCode: 500 });
  });
});

describe('redactUrl', () => {
  it('masks token and apiKey query values only', () => {
    expect(redactUrl('/api/events?token=abc&queue=q&apiKey=k#x')).toBe('/api/events?token=[redacted]&queue=q&apiKey=[redacted]#x');
    expect(redactUrl('/api/events?mytoken=abc')).toBe('/api/events?mytoken=abc');
    expect(redactUrl('/api/agents')).toBe('/api/agents');
  });
});
