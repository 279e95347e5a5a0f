import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../src/api/errors.js';
import { PbxError } from '../../src/pbx/port.js';

describe('PBX failures as HTTP answers', () => {
  it('is 503 pbx_unavailable while ARI cannot be reached', () => {
    expect(toErrorResponse(new PbxError('unavailable', 0, 'not connected to ARI', 'channels.originate'))).toEqual({
      statusCode: 503,
      body: { status: 'error', code: 'pbx_unavailable', message: 'channels.originate: not connected to ARI' },
    });
  });

  it('is 502 pbx_error for any error answer of the PBX, never 500', () => {
    for (const kind of ['server', 'allocation_failed', 'conflict', 'invalid', 'not_found', 'not_in_stasis'] as const) {
      const { statusCode, body } = toErrorResponse(new PbxError(kind, 500, 'x'.repeat(1000), 'bridges.addChannel'));
      expect(statusCode).toBe(502);
      expect(body.code).toBe('pbx_error');
      expect(body.message.length).toBeLessThanOrEqual(300);
    }
  });
});
