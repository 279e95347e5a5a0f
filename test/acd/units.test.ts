import { describe, expect, it } from 'vitest';
import { outcomeOfCause } from '../../src/acd/agentLeg.js';
import { HangupCauses } from '../../src/acd/hangupCauses.js';
import { KeyedLock } from '../../src/acd/keyedLock.js';
import { argsFromAppData, parseStasisArgs } from '../../src/acd/stasisArgs.js';

describe('Stasis arguments', () => {
  it('parses a caller with options', () => {
    expect(parseStasisArgs(['sales', 'priority=5'])).toEqual({ role: 'caller', queue: 'sales', priority: 5, options: { priority: '5' } });
    expect(parseStasisArgs(['sales'])).toMatchObject({ role: 'caller', priority: 0 });
  });
  it('parses agent legs and snoops', () => {
    expect(parseStasisArgs(['agent', '1001', 'call-1;2'])).toEqual({ role: 'agent', agentId: '1001', callId: 'call-1;2' });
    expect(parseStasisArgs(['snoop', 'x'])).toEqual({ role: 'other', name: 'snoop', args: ['x'] });
    expect(parseStasisArgs(['consult', 'c1'])).toEqual({ role: 'other', name: 'consult', args: ['c1'] });
  });
  it.each([[[]], [['sales', 'priority=high']], [['sales', 'priority=1000']], [['sales', 'oops']], [['agent', '1001']]])('refuses %j with a reason', (args) => {
    const entry = parseStasisArgs(args);
    expect(entry.role).toBe('invalid');
  });
  it('recovers args from a channel dialplan app_data', () => {
    expect(argsFromAppData('acd,sales,priority=5')).toEqual(['sales', 'priority=5']);
  });
});

describe('hangup causes of agent legs', () => {
  it('maps Q.850 causes to offer outcomes', () => {
    expect(outcomeOfCause(19)).toBe('noanswer');
    expect(outcomeOfCause(17)).toBe('busy');
    expect(outcomeOfCause(21)).toBe('rejected');
    expect(outcomeOfCause(1)).toBe('unavailable');
    expect(outcomeOfCause(undefined)).toBe('failed');
  });
  it('waits for ChannelDestroyed, ignoring the soft ARI cause 32', async () => {
    const causes = new HangupCauses();
    const settled = causes.settle('x', 1000);
    causes.noteDestroyed('x', 19);
    expect(await settled).toBe(19);
    causes.noteDestroyed('y', 32);
    expect(await causes.settle('y', 1000)).toBeUndefined();
  });
  it('gives no cause when ChannelDestroyed does not come within the grace', async () => {
    const causes = new HangupCauses();
    expect(await causes.settle('x', 10)).toBeUndefined();
  });
});

describe('keyed lock', () => {
  it('runs tasks of one key in order, and other keys concurrently', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = lock.run('a', async () => {
      await gate;
      log.push('a1');
    });
    const a2 = lock.run('a', async () => {
      log.push('a2');
    });
    await lock.run('b', async () => {
      log.push('b');
    });
    release();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['b', 'a1', 'a2']);
    expect(lock.size).toBe(0);
  });
  it('keeps going after a failed task', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('a', async () => 1)).toBe(1);
  });
});
