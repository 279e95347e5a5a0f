/** Routing keys in the configuration file: defaults, validation errors naming the key, skills parsing. */
import { describe, expect, it } from 'vitest';
import { resolveConfigFile } from '../../src/config.js';
import { parseSkills, skillsKey } from '../../src/domain/routing.js';
import { parseStasisArgs } from '../../src/acd/stasisArgs.js';
import { routingFields } from '../../src/store/routingFields.js';

describe('routing configuration', () => {
  it('keeps only the routing keys that are set, sorted penalty rules, and agent skills / order / weight', () => {
    const { queues, agents } = resolveConfigFile({
      queues: [
        { id: 'q', strategy: 'weighted-random', maxPenalty: 0, penaltyRules: [{ afterS: 60, maxPenalty: 3 }, { afterS: 20, maxPenalty: 1 }], steps: [{ timeoutS: 30, match: 'all' }, { match: 'levels-1' }], maxNoAnswer: 3 },
        { id: 'plain' },
      ],
      agents: [{ id: 'a', endpoint: 'PJSIP/a', skills: { English: 3 }, queues: [{ queue: 'q', penalty: 1, order: 4, weight: 5 }, 'plain'] }],
    });
    expect(queues[0]).toMatchObject({ strategy: 'weighted-random', maxNoAnswer: 3, penaltyRules: [{ afterS: 20, maxPenalty: 1 }, { afterS: 60, maxPenalty: 3 }] });
    expect(queues[1]).not.toHaveProperty('steps');
    expect(queues[1].strategy).toBe('longest-idle');
    expect(agents[0]).toMatchObject({ skills: { english: 3 }, queues: [{ queue: 'q', penalty: 1, order: 4, weight: 5 }, { queue: 'plain', penalty: 0 }] });
  });

  it.each([
    [{ queues: [{ id: 'q', strategy: 'leastrecent' }] }, 'queues[0].strategy'],
    [{ queues: [{ id: 'q', steps: [{ match: 'all' }, { match: 'none' }] }] }, 'queues[0].steps[0].timeoutS'],
    [{ queues: [{ id: 'q', steps: [{ match: 'levels-9' }] }] }, 'queues[0].steps[0].match'],
    [{ queues: [{ id: 'q', maxPenalty: 0, penaltyRules: [{ afterS: -1, maxPenalty: 1 }] }] }, 'queues[0].penaltyRules[0].afterS'],
    [{ queues: [{ id: 'q', penaltyRules: [{ afterS: 10, maxPenalty: 1 }] }] }, 'queues[0].maxPenalty'],
    [{ queues: [{ id: 'q', maxNoAnswer: 0 }] }, 'queues[0].maxNoAnswer'],
    [{ queues: [{ id: 'q', ringInUse: 'no' }] }, 'queues[0].ringInUse'],
    [{ queues: [{ id: 'q' }], agents: [{ id: 'a', skills: { english: 6 } }] }, 'agents[0].skills.english'],
    [{ queues: [{ id: 'q' }], agents: [{ id: 'a', queues: [{ queue: 'q', weight: 0 }] }] }, 'agents[0].queues[0].weight'],
  ])('names the bad key in %j', (bad, key) => {
    expect(() => resolveConfigFile(bad)).toThrow(expect.objectContaining({ key }));
  });

  it('encodes steps and rules for the Lua: cumulative step ends, relaxation per match', () => {
    const fields = Object.fromEntries(
      routingFields({ strategy: 'longest-idle', steps: [{ timeoutS: 30, match: 'all' }, { timeoutS: 30, match: 'levels-2' }, { timeoutS: 10, match: 'skills' }, { match: 'none' }], retryS: 4 }),
    );
    expect(fields).toMatchObject({ steps: '30:0,60:2,70:4,-1:99', retryMs: '4000', busyRetryMs: '', penaltyRules: '' });
  });

  it('accepts ringInUse either way (default true, as app_queue); only false reaches the Lua', () => {
    const { queues } = resolveConfigFile({ queues: [{ id: 'a', ringInUse: false }, { id: 'b', ringInUse: true }, { id: 'c' }] });
    expect(queues.map((q) => q.ringInUse)).toEqual([false, true, undefined]);
    expect(queues.map((q) => Object.fromEntries(routingFields(q)).ringInUse)).toEqual(['0', '', '']);
  });
});

describe('skill requirements', () => {
  it('parses and canonicalises `name:level` lists', () => {
    expect(parseSkills('English:3+billing:2')).toEqual({ english: 3, billing: 2 });
    expect(skillsKey({ english: 3, billing: 2 })).toBe('billing:2+english:3');
    expect(() => parseSkills('english:7')).toThrow(/english:7/);
    expect(() => parseSkills('english')).toThrow(/name:level/);
  });

  it('reads them from the Stasis args; a malformed list is refused with the reason', () => {
    expect(parseStasisArgs(['support', 'skills=english:3+billing:2'])).toMatchObject({ role: 'caller', skills: { english: 3, billing: 2 } });
    expect(parseStasisArgs(['support', 'skills=english:9'])).toMatchObject({ role: 'invalid', reason: expect.stringContaining('skills') });
  });
});
