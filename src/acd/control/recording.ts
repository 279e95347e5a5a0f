/**
 * Recording queue calls: the call's bridge is recorded (caller and agent mixed), on request
 * (start / stop / pause / resume per call) or for every connected call of a queue with a
 * `record` option. Each recording is listed in Redis with queue, agent, call and start; its
 * duration (paused time excluded) comes from the PBX's RecordingFinished. A recording also stops
 * when the call's bridge goes (end of call, transfer), and its audio is served from the PBX.
 */
import type { CallSnapshot } from '../../domain/call.js';
import { AcdError } from '../../domain/errors.js';
import type { RecordOptions } from '../../domain/callerExperience.js';
import { isPbxError, type RecordingFile } from '../../pbx/port.js';
import type { RecordingInfo } from '../../store/controlOps.js';
import type { AcdContext } from '../context.js';
import { controlEvent, invalidState, withAgentCall, type CallTarget } from './calls.js';

export const RECORDING_FORMAT = 'wav';
const DEFAULT_TEMPLATE = 'acd-{callId}-{ts}';
/** `by` of recordings a queue's `record` option starts. */
const BY_QUEUE = 'queue';

/** Recording names become file names on the PBX: only safe characters. */
const recordingName = (template: string, call: Pick<CallSnapshot, 'id' | 'queue' | 'agentId'>, now: number): string => {
  const values: Record<string, string> = { queue: call.queue, agentId: call.agentId, callId: call.id, ts: String(now) };
  return template.replace(/\{(\w+)\}/g, (_, field: string) => values[field] ?? '').replace(/[^A-Za-z0-9_-]/g, '_');
};

/** Starts recording the connected call's bridge and lists it; the control field `recording` names it. */
async function record(ctx: AcdContext, call: CallSnapshot, opts: RecordOptions, by: string): Promise<string> {
  const now = Date.now();
  const name = recordingName(opts.nameTemplate ?? DEFAULT_TEMPLATE, call, now);
  await ctx.pbx.recordBridge(call.bridgeId, { name, format: opts.format });
  await ctx.store.addRecording({ name, format: opts.format, callId: call.id, agentId: call.agentId, queue: call.queue, startedAt: now, by });
  await ctx.store.updateControl(call.id, call.agentChannel, { recording: name }, controlEvent(call, { action: 'recording', step: 'started', name }, by));
  return name;
}

/**
 * Hook of bridging.ts: a queue with `record` records each call once caller and agent are bridged.
 * A failure is logged and never breaks the call.
 */
export async function startQueueRecording(ctx: AcdContext, call: CallSnapshot): Promise<void> {
  const opts = (await ctx.store.getQueue(call.queue))?.record;
  if (!opts) return;
  try {
    await record(ctx, call, opts, BY_QUEUE);
  } catch (err) {
    // A party left while we started: the call's end is on its way.
    if (!isPbxError(err, 'not_found')) ctx.logger.error({ err, callId: call.id, queue: call.queue }, 'automatic recording failed to start');
  }
}

/** RecordingFinished (the event router's kind `recording`): every node hears it; writing the duration is idempotent. */
export async function recordingFinished(ctx: AcdContext, e: { name: string; durationS: number }): Promise<void> {
  try {
    await ctx.store.finishRecording(e.name, e.durationS);
  } catch (err) {
    ctx.logger.error({ err, name: e.name }, 'recording duration not stored');
  }
}

/**
 * The engine's own duration of a recording it just stopped (paused time excluded): listed only if
 * the PBX's RecordingFinished does not come. Asterisk does not always deliver it when the
 * recording stops as its bridge goes (seen on the real Asterisk tier), which left such recordings
 * without a duration.
 */
export async function noteRecordingStopped(ctx: AcdContext, name: string, control: Record<string, string>): Promise<void> {
  const info = await ctx.store.getRecording(name);
  if (!info) return;
  const now = Date.now();
  const pausedMs = Number(control.recordingPausedMs ?? 0) + (control.recordingPaused === '1' ? now - Number(control.recordingPausedAt ?? now) : 0);
  await ctx.store.estimateRecording(name, Math.max(0, Math.round((now - info.startedAt - pausedMs) / 1000)), now);
}

export function createRecordingCommands(ctx: AcdContext) {
  /** The running recording of the agent's call, else invalid_state. */
  const running = (control: Record<string, string>, command: string) => {
    if (!control.recording) throw invalidState(`${command}: the call is not being recorded`);
    return control.recording;
  };
  return {
    startRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'startRecording', async (call, control) => {
        if (control.recording) throw invalidState(`startRecording: the call is already recorded (${control.recording})`);
        return { name: await record(ctx, call, { format: RECORDING_FORMAT }, t.by) };
      }),
    stopRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'stopRecording', async (call, control) => {
        const name = running(control, 'stopRecording');
        await ctx.pbx.stopRecording(name);
        await noteRecordingStopped(ctx, name, control);
        await ctx.store.updateControl(call.id, call.agentChannel, { recording: '', recordingPaused: '', recordingPausedAt: '', recordingPausedMs: '' }, controlEvent(call, { action: 'recording', step: 'stopped', name }, t.by));
        return { name };
      }),
    /** Paused time is left out of the recording (card numbers, private talk). */
    pauseRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'pauseRecording', async (call, control) => {
        const name = running(control, 'pauseRecording');
        if (control.recordingPaused === '1') throw invalidState('pauseRecording: the recording is already paused');
        await ctx.pbx.pauseRecording(name);
        await ctx.store.updateControl(call.id, call.agentChannel, { recordingPaused: '1', recordingPausedAt: String(Date.now()) }, controlEvent(call, { action: 'recording', step: 'paused', name }, t.by));
        return { name };
      }),
    resumeRecording: (t: CallTarget) =>
      withAgentCall(ctx, t, ['connected'], 'resumeRecording', async (call, control) => {
        const name = running(control, 'resumeRecording');
        if (control.recordingPaused !== '1') throw invalidState('resumeRecording: the recording is not paused');
        await ctx.pbx.unpauseRecording(name);
        const pausedMs = Number(control.recordingPausedMs ?? 0) + Date.now() - Number(control.recordingPausedAt ?? Date.now());
        await ctx.store.updateControl(call.id, call.agentChannel, { recordingPaused: '', recordingPausedAt: '', recordingPausedMs: String(pausedMs) }, controlEvent(call, { action: 'recording', step: 'resumed', name }, t.by));
        return { name };
      }),
    /** A listed recording's audio; not_found for names this engine did not record. */
    async recordingFile(name: string): Promise<{ info: RecordingInfo; file: RecordingFile }> {
      const info = await ctx.store.getRecording(name);
      const notFound = () => new AcdError('not_found', `recording '${name}' does not exist`, { field: 'name' });
      if (!info) throw notFound();
      try {
        return { info, file: await ctx.pbx.getRecordingFile(name) };
      } catch (err) {
        // Listed but not stored (still running, or deleted on the PBX).
        if (isPbxError(err, 'not_found')) throw notFound();
        throw err;
      }
    },
  };
}
