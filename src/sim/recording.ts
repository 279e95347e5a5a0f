/**
 * Bridge recordings. Starting one puts a `Recorder/ARI-…` media channel in the bridge (members see
 * it in BRIDGEPEER) and reports RecordingStarted; stopping reports RecordingFinished with the
 * duration in seconds and keeps a stored recording that can be listed, read, downloaded and
 * deleted. Pause / unpause change only the live state (Asterisk sends no event for them); paused
 * time is not recorded, so it is not in the duration either.
 */
import type { SimCore } from './core.js';
import { badRequest, conflict, notFound, unprocessable } from './errors.js';
import { silentAudio } from './audio.js';
import { refreshBridgePeers, type SimBridge } from './model/bridges.js';

const FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'sln16', 'g722', 'g729', 'ogg', 'mp3']);
const IF_EXISTS = ['fail', 'overwrite', 'append'] as const;

export interface LiveRecordingJson {
  name: string;
  format: string;
  state: 'queued' | 'recording' | 'paused' | 'done';
  target_uri: string;
  duration?: number;
}

interface LiveRecording {
  name: string;
  format: string;
  state: LiveRecordingJson['state'];
  target_uri: string;
  bridge: SimBridge;
  recorderName: string;
  startedAt: number;
  /** Real ms spent paused before the current pause, and when that pause began (0 = not paused). */
  pausedMs: number;
  pausedAt: number;
}

export interface StoredRecordingJson {
  name: string;
  format: string;
}

interface StoredRecording extends StoredRecordingJson {
  /** Simulated seconds recorded: the length of the file served. */
  durationS: number;
}

export class RecordingStore {
  private readonly live = new Map<string, LiveRecording>();
  private readonly stored = new Map<string, StoredRecording>();

  recordBridge(core: SimCore, bridge: SimBridge, opts: { name?: string; format?: string; ifExists?: string }): LiveRecordingJson {
    if (!opts.name) throw badRequest('Recording name is required');
    if (!opts.format) throw badRequest('Recording format is required');
    const ifExists = opts.ifExists || 'fail';
    if (!(IF_EXISTS as readonly string[]).includes(ifExists)) throw badRequest('ifExists invalid');
    if (!FORMATS.has(opts.format)) throw unprocessable('specified format is unknown on this system');
    if (this.live.has(opts.name) || (ifExists === 'fail' && this.stored.has(opts.name))) {
      throw conflict(`Recording '${opts.name}' already exists and can not be overwritten`);
    }
    const recording: LiveRecording = {
      name: opts.name,
      format: opts.format,
      state: 'queued',
      target_uri: `bridge:${bridge.id}`,
      bridge,
      recorderName: `Recorder/ARI${core.channels.nextNameSuffix()};2`,
      startedAt: core.now(),
      pausedMs: 0,
      pausedAt: 0,
    };
    this.live.set(recording.name, recording);
    const reply = toJson(recording);
    // The recorder joins the bridge and starts right after the 201 is sent.
    core.clock.afterReal(0, () => {
      if (this.live.get(recording.name) !== recording) return;
      bridge.mediaMembers.unshift(recording.recorderName);
      refreshBridgePeers(core, bridge);
      recording.state = 'recording';
      core.hub.emit(bridge.subscribers, 'RecordingStarted', { recording: toJson(recording) });
    });
    return reply;
  }

  getLive(name: string): LiveRecordingJson {
    return toJson(this.findLive(name));
  }

  /** POST /recordings/live/{name}/stop */
  stop(core: SimCore, name: string): void {
    this.finish(core, this.findLive(name));
  }

  /**
   * POST / DELETE /recordings/live/{name}/pause. As Asterisk: 409 unless the recording runs
   * (recording or paused); pausing a paused one (or unpausing a running one) changes nothing.
   */
  setPaused(core: SimCore, name: string, paused: boolean): void {
    const recording = this.findLive(name);
    if (recording.state !== 'recording' && recording.state !== 'paused') throw conflict('Recording not in session');
    if (paused && recording.state === 'recording') {
      recording.state = 'paused';
      recording.pausedAt = core.now();
    } else if (!paused && recording.state === 'paused') {
      recording.state = 'recording';
      recording.pausedMs += core.now() - recording.pausedAt;
      recording.pausedAt = 0;
    }
  }

  stopAllOnTarget(core: SimCore, targetUri: string): void {
    for (const recording of this.live.values()) if (recording.target_uri === targetUri) this.finish(core, recording);
  }

  hasStored(name: string): boolean {
    return this.stored.has(name);
  }

  listStored(): StoredRecordingJson[] {
    return [...this.stored.values()].map(storedJson);
  }

  getStored(name: string): StoredRecordingJson {
    return storedJson(this.findStored(name));
  }

  /** GET /recordings/stored/{name}/file: silence as long as the recording, in its format. */
  file(name: string): { contentType: string; data: Buffer } {
    const recording = this.findStored(name);
    return silentAudio(recording.format, recording.durationS);
  }

  deleteStored(name: string): void {
    if (!this.stored.delete(name)) throw notFound('Recording not found');
  }

  private findStored(name: string): StoredRecording {
    const recording = this.stored.get(name);
    if (!recording) throw notFound('Recording not found');
    return recording;
  }

  private findLive(name: string): LiveRecording {
    const recording = this.live.get(name);
    if (!recording) throw notFound('Recording not found');
    return recording;
  }

  private finish(core: SimCore, recording: LiveRecording): void {
    this.live.delete(recording.name);
    recording.state = 'done';
    const pausedMs = recording.pausedMs + (recording.pausedAt ? core.now() - recording.pausedAt : 0);
    const duration = Math.round(core.clock.toSimulated(core.now() - recording.startedAt - pausedMs) / 1000);
    this.stored.set(recording.name, { name: recording.name, format: recording.format, durationS: duration });
    core.hub.emit(recording.bridge.subscribers, 'RecordingFinished', { recording: { ...toJson(recording), duration } });
    const bridge = recording.bridge;
    const index = bridge.mediaMembers.indexOf(recording.recorderName);
    if (index >= 0) {
      bridge.mediaMembers.splice(index, 1);
      refreshBridgePeers(core, bridge);
    }
  }
}

const storedJson = (r: StoredRecording): StoredRecordingJson => ({ name: r.name, format: r.format });
const toJson = (r: LiveRecording): LiveRecordingJson => ({ name: r.name, format: r.format, state: r.state, target_uri: r.target_uri });
