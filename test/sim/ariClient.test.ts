/** The unchanged ari-client 2.2.0 loads the simulator's api-docs, connects and drives a call. */
import ari, { type Client, type ResourceApi } from 'ari-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

interface StasisStartEvent {
  args: string[];
  channel: { id: string; state: string; dialplan: { app_data: string } };
}

describe('ari-client against the simulator', () => {
  let sim: Simulator;
  let client: Client | undefined;

  beforeEach(async () => {
    sim = await startSimulator({ timeScale: 0.1 });
  });

  afterEach(async () => {
    if (client) {
      client._wsClosed = true;
      client._ws?.terminate();
    }
    await sim.close();
  });

  it('connects, receives StasisStart and answers through the loaded API', async () => {
    client = await ari.connect(sim.url, 'asterisk', 'asterisk');
    const started = new Promise<StasisStartEvent>((resolve) => client!.on('StasisStart', (event: StasisStartEvent) => resolve(event)));
    await client.start('acd');
    const callId = sim.placeCall({ queue: 'sales', args: ['sales', 'priority=5'], callerNumber: '5551234', callerName: 'Customer' });

    const event = await started;
    expect(event.channel.id).toBe(callId);
    expect(event.args).toEqual(['sales', 'priority=5']);
    expect(event.channel.dialplan.app_data).toBe('acd,sales,priority=5');

    const channels = (client as unknown as { channels: ResourceApi }).channels;
    await channels.answer!({ channelId: callId });
    expect(sim.channel(callId)?.state).toBe('Up');
    await expect(channels.answer!({ channelId: 'nope' })).rejects.toThrow(/Channel not found/);
  });
});
