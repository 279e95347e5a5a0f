/**
 * Timers survive failures: a wrap-up job whose handler fails is retried with back-off, one that
 * used up its attempts runs again at the next start, and an agent found in after-call work with
 * no timer at all has its wrap-up ended at start (never stranded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdStore } from '../../src/store/types.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 1 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'], wrapupS: 600 },
  ],
};

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

/** The store with endWrapup failing `times` times (Redis away for a moment, say). */
function failingEndWrapup(times: number, failures: string[]): (store: AcdStore) => AcdStore {
  return (store) =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'endWrapup') return Reflect.get(target, prop, receiver) as unknown;
        return async (agentId: string, version: number) => {
          if (failures.length < times) {
            failures.push(agentId);
            throw new Error('injected endWrapup failure');
          }
          return target.endWrapup(agentId, version);
        };
      },
    });
}

const status = async (agentId: string) => (await h!.store.getAgent(agentId))?.status;

/** a1 takes a call and the caller hangs up: a1 is in after-call work with its wrap-up timer set. */
async function intoWrapup(): Promise<void> {
  const call = await h!.connectedCall('a1');
  h!.sim.hangup(call.id, 16);
  await waitFor(async () => (await status('a1')) === 'after_call_work', 'a1 in after-call work');
}

describe('timer retries and the start-up sweep', () => {
  it('ends a wrap-up whose timer handler failed once: the job is retried', async () => {
    const failures: string[] = [];
    h = await startHarness(config, { engineStore: failingEndWrapup(1, failures), timerRetry: { attempts: 3, delayMs: 50 } });
    await intoWrapup();
    await waitFor(async () => (await status('a1')) === 'ready', 'a1 ready after its wrap-up', 6_000);
    expect(failures).toEqual(['a1']);
  });

  it('runs a wrap-up job that used up its attempts again at the next start', async () => {
    const failures: string[] = [];
    h = await startHarness(config, { engineStore: failingEndWrapup(1, failures), timerRetry: { attempts: 1, delayMs: 50 } });
    await intoWrapup();
    await waitFor(() => failures.length === 1, 'the wrap-up job to fail', 6_000);
    await h.engine.stop();
    expect(await status('a1')).toBe('after_call_work');
    await h.startEngine('node-b');
    await waitFor(async () => (await status('a1')) === 'ready', 'a1 ready after the restart');
  });

  it('ends at start a wrap-up that has no timer, and leaves one whose timer is pending alone', async () => {
    h = await startHarness(config);
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    // a1: after-call work written by the store alone, as if the engine died before the timer.
    await h.store.enterAfterCallWork('a1', 'test');
    // a2: after-call work through the engine: its 600 s timer is pending.
    await h.engine.control.afterCallWork('a2', 'test');
    await h.engine.stop();
    await h.startEngine('node-b');
    expect(await status('a1')).toBe('ready');
    expect(await status('a2')).toBe('after_call_work');
  });
});
