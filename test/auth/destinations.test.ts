import { describe, expect, it } from 'vitest';
import { assertDestinationAllowed, destinationGuard, patternToRegExp } from '../../src/auth/destinations.js';
import { AcdError } from '../../src/domain/errors.js';

describe('destination allow-list (toll-fraud guard)', () => {
  it('reads Asterisk extension patterns', () => {
    expect(patternToRegExp('_NXXXXXX').test('2345678')).toBe(true);
    expect(patternToRegExp('_NXXXXXX').test('1345678')).toBe(false);
    expect(patternToRegExp('_1[2-4]X').test('135')).toBe(true);
    expect(patternToRegExp('_1[2-4]X').test('155')).toBe(false);
    expect(patternToRegExp('_00.').test('00')).toBe(false);
    expect(patternToRegExp('_00.').test('004420')).toBe(true);
    expect(patternToRegExp('_9!').test('9')).toBe(true);
    expect(patternToRegExp('_PJSIP/1XXX').test('PJSIP/1001')).toBe(true);
    // A literal entry matches itself only (dots are not wildcards there).
    expect(patternToRegExp('PJSIP/1.01').test('PJSIP/1x01')).toBe(false);
  });

  it('refuses destinations outside the list with 403 forbidden naming the destination; an empty list allows nothing', () => {
    const check = destinationGuard(['_1XXX', 'PJSIP/operator']);
    expect(() => check('1001')).not.toThrow();
    expect(() => check('PJSIP/operator')).not.toThrow();
    expect(() => check('900123456')).toThrow(AcdError);
    try {
      check('00441234');
    } catch (err) {
      expect(err).toMatchObject({ code: 'forbidden', status: 403, message: expect.stringContaining('00441234') });
    }
    expect(() => assertDestinationAllowed('1001', [])).toThrow(/allow-list/);
  });

  it('refuses a malformed pattern', () => {
    expect(() => patternToRegExp('_1[23')).toThrow(/without/);
  });
});
