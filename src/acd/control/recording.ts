/**
 * Recording a queue call on demand: the call's bridge is recorded (caller and agent mixed) under
 * a name derived from the call; start / stop per call, and a Redis list of the recordings made,
 * for the API. A recording also stops when the call's bridge goes (end of call, transfer).
 */
import type { AcdContext } from '../context.js';
import { controlEvent, invalidState, withAgentCall, type CallTarget } from './calls.js';

export const RECORDING_FORMAT = 'wav';

/** Recording names become file names on the PBX: only safe characters. */
const recordingName = (callId: string, now: number) => `acd-${callId.replace(/[^A-Za-z0-9_-]/g, '_')}-${now}`;

export function createRecordingCommands(ctx: AcdContext) {
  return {
    startRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'startRecording', async (call, control) => {
        if (control.recording) throw invalidState(`startRecording: the call is already recorded (${control.recording})`);
        const now = Date.now();
        const name = recordingName(call.id, now);
        await ctx.pbx.recordBridge(call.bridgeId, { name, format: RECORDING_FORMAT });
        await ctx.store.addRecording({ name, format: RECORDING_FORMAT, callId: call.id, agentId: call.agentId, queue: call.queue, startedAt: now, by: t.by });
        await ctx.store.updateControl(call.id, call.agentChannel, { recording: name }, controlEvent(call, 'recording', `started ${name}`, t.by));
        return { name };
      }),
    stopRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'stopRecording', async (call, control) => {
        if (!control.recording) throw invalidState('stopRecording: the call is not being recorded');
        await ctx.pbx.stopRecording(control.recording);
        await ctx.store.updateControl(call.id, call.agentChannel, { recording: '' }, controlEvent(call, 'recording', `stopped ${control.recording}`, t.by));
        return { name: control.recording };
      }),
  };
}
