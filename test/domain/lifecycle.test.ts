/**
 * Walks the lifecycle tables (src/domain/lifecycle.ts): every state is reachable and (unless
 * final) can be left, every script and module a transition names exists, the agent commands are
 * accepted in exactly the statuses the table allows (driven on the real store, from every status
 * a store can put an agent in), and docs/lifecycle.md is what `npm run diagrams` renders.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_STATUSES, type AgentStatus } from '../../src/domain/agent.js';
import { AcdError } from '../../src/domain/errors.js';
import { AGENT_LIFECYCLE, AGENT_PENDING_ON_CALL, CALL_LIFECYCLE, targetsOf, type AgentEvent, type Lifecycle } from '../../src/domain/lifecycle.js';
import { renderLifecycleDoc } from '../../src/domain/lifecycleDoc.js';
import { SCRIPT_NAMES } from '../../src/store/scripts.js';
import { agentDef, by, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

function reachable<S extends string, E extends string>(lc: Lifecycle<S, E>): Set<S> {
  const seen = new Set<S>([lc.initial]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of lc.transitions) {
      if (t.from.some((s) => seen.has(s)) && !seen.has(t.to)) {
        seen.add(t.to);
        grew = true;
      }
    }
  }
  return seen;
}

describe.each([AGENT_LIFECYCLE, CALL_LIFECYCLE] as Lifecycle<string, string>[])('the $name lifecycle table', (lc) => {
  const states = Object.keys(lc.states);

  it('names only its own states', () => {
    for (const t of lc.transitions) for (const s of [...t.from, t.to]) expect(states, `${t.event}: ${s}`).toContain(s);
  });

  it('reaches every state from the initial one, and every state but the final ones can be left', () => {
    expect([...reachable(lc)].sort()).toEqual([...states].sort());
    for (const s of states) {
      if (lc.final.includes(s)) continue;
      expect(lc.transitions.some((t) => t.from.includes(s) && t.to !== s), `${s} has a way out`).toBe(true);
    }
  });

  it('names scripts and modules that exist', () => {
    for (const t of lc.transitions) {
      for (const at of t.at) {
        const [kind, name] = [at.slice(0, at.indexOf(':')), at.slice(at.indexOf(':') + 1)];
        if (kind === 'lua') expect(SCRIPT_NAMES, `${t.event}: ${at}`).toContain(name);
        else expect(existsSync(new URL(`../../src/acd/${name}`, import.meta.url)), `${t.event}: ${at}`).toBe(true);
      }
    }
  });
});

it('every agent status of the domain is in the agent table', () => {
  expect(Object.keys(AGENT_LIFECYCLE.states).sort()).toEqual([...AGENT_STATUSES].sort());
});

it('docs/lifecycle.md is up to date (npm run diagrams)', () => {
  expect(readFileSync(new URL('../../docs/lifecycle.md', import.meta.url), 'utf8')).toBe(renderLifecycleDoc());
});

describe('agent commands on the real store follow the table', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = createTestStore();
    await t.store.upsertQueue(queueDef('sales'));
    await t.store.upsertAgent(agentDef('a1', ['sales']));
  });
  afterEach(async () => {
    expect(await t.violations()).toEqual([]);
    await t.cleanup();
  });

  /** Puts a1 in `status` through the store's own transitions. */
  async function into(status: AgentStatus): Promise<void> {
    if (status === 'logged_out') return;
    await t.store.login('a1', undefined, { ...by, ready: status !== 'not_ready' });
    if (status === 'after_call_work') await t.store.enterAfterCallWork('a1', 'test');
    if (!['reserved', 'ringing', 'busy'].includes(status)) return;
    await t.store.enqueue(caller('c1', 'sales'));
    const offer = await t.store.assign({ queue: 'sales' }, 'leg1');
    expect(offer?.agentId).toBe('a1');
    if (status === 'ringing') await t.store.markRinging('c1', 'leg1');
    if (status === 'busy') await t.store.connect('c1', 'leg1', 'bridge1');
    expect((await t.store.getAgent('a1'))?.status).toBe(status);
  }

  const commands: Record<'login' | 'loginReady' | 'ready' | 'notReady' | 'logout' | 'afterCallWork', () => Promise<unknown>> = {
    login: () => t.store.login('a1', undefined, by),
    loginReady: () => t.store.login('a1', undefined, { ...by, ready: true }),
    ready: () => t.store.setReady('a1', by),
    notReady: () => t.store.setNotReady('a1', 'break', by),
    logout: () => t.store.logout('a1', '', by),
    afterCallWork: () => t.store.enterAfterCallWork('a1', 'test'),
  };

  const cases = Object.keys(commands).flatMap((event) => AGENT_STATUSES.map((from) => ({ event: event as keyof typeof commands & AgentEvent, from })));
  it.each(cases)('$event in $from', async ({ event, from }) => {
    await into(from);
    const allowed = targetsOf(AGENT_LIFECYCLE, from, event);
    const outcome = await commands[event]().then(
      () => undefined,
      (err: unknown) => err,
    );
    const status = (await t.store.getAgent('a1'))?.status;
    const pendingIn = (AGENT_PENDING_ON_CALL as Partial<Record<string, readonly AgentStatus[]>>)[event];
    if (allowed.length > 0) {
      expect(outcome).toBeUndefined();
      expect(allowed).toContain(status);
    } else if (pendingIn?.includes(from)) {
      // Kept for the end of the call: accepted, status unchanged, the pending status recorded.
      expect(outcome).toBeUndefined();
      expect(status).toBe(from);
      expect((await t.store.getAgent('a1'))?.pending).toBeDefined();
    } else {
      expect(outcome).toBeInstanceOf(AcdError);
      expect(outcome).toMatchObject({ code: 'invalid_state' });
      expect(status).toBe(from);
    }
  });
});
