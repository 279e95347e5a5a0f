import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId } from '../../src/api/streamId.js';

describe('stream ids', () => {
  it('orders numerically by time then sequence, a bare time meaning sequence 0', () => {
    expect(compareStreamIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareStreamIds('1700000000000-2', '1700000000000-10')).toBeLessThan(0);
    expect(compareStreamIds('1700000000000', '1700000000000-0')).toBe(0);
    expect(compareStreamIds('0', '1-0')).toBeLessThan(0);
    expect(compareStreamIds('18446744073709551615-1', '18446744073709551615-0')).toBeGreaterThan(0);
  });

  it('recognises only stream ids', () => {
    expect(isStreamId('1700000000000-3')).toBe(true);
    expect(isStreamId('0')).toBe(true);
    expect(isStreamId('$')).toBe(false);
    expect(isStreamId('12-')).toBe(false);
    expect(() => compareStreamIds('x', '0')).toThrow(TypeError);
  });
});
