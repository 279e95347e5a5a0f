/**
 * A channel's life in Stasis and its end, in the order Asterisk reports it:
 *   ChannelHangupRequest → (ChannelLeftBridge) → StasisEnd → ChannelVarset STASISSTATUS
 *   → (a dialplan channel's own soft hangup) → ChannelDestroyed, then the Local peer follows.
 * Who sees which of these is decided by subscriptions (see model/notify.ts): a channel that only
 * entered Stasis is silent after StasisEnd; one the app created is heard until destroyed.
 */
import type { SimCore } from './core.js';
import { leaveBridge } from './model/bridges.js';
import type { DialplanLocation, SimChannel } from './model/channels.js';
import { emitChannelEvent, runApp, setVariable } from './model/notify.js';

const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  3: 'No route to destination',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
};
const causeText = (cause: number): string => CAUSE_TEXT[cause] ?? 'Unknown';

/** Enters Stasis(app,args...). Fails (and the channel hangs up) when no WebSocket has the app, like Asterisk. */
export function enterStasis(core: SimCore, ch: SimChannel, app: string, args: string[], opts: { announceDialplan: boolean }): boolean {
  if (ch.hangingUp) return false;
  const appData = [app, ...args].join(',');
  if (opts.announceDialplan) runApp(core, ch, { app_name: 'Stasis', app_data: appData });
  else ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: appData };
  setVariable(core, ch, 'STASISSTATUS', '');
  if (!core.hub.isActive(app)) {
    core.logger.warn({ channel: ch.id, app }, `Stasis app '${app}' not active: channel hangs up`);
    setVariable(core, ch, 'STASISSTATUS', 'FAILED');
    core.clock.afterReal(0, () => hangupChannel(core, ch, { cause: 16 }));
    return false;
  }
  ch.stasis = { app, args };
  emitChannelEvent(core, ch, 'StasisStart', { args });
  return true;
}

function leaveStasis(core: SimCore, ch: SimChannel): void {
  if (!ch.stasis) return;
  emitChannelEvent(core, ch, 'StasisEnd');
  ch.stasis = undefined;
  setVariable(core, ch, 'STASISSTATUS', 'SUCCESS');
}

/** POST /channels/{id}/continue: the channel leaves Stasis; this PBX's dialplan has nothing after Stasis(), so it then hangs up. */
export function continueInDialplan(core: SimCore, ch: SimChannel, location?: Partial<DialplanLocation>): void {
  leaveStasis(core, ch);
  if (location?.context || location?.exten) {
    runApp(core, ch, { context: location.context || ch.dialplan.context, exten: location.exten || 's', priority: location.priority ?? 1, app_name: '', app_data: '' });
  }
  core.clock.afterReal(0, () => hangupChannel(core, ch, { cause: 16 }));
}

export interface HangupOptions {
  /** The ChannelHangupRequest to report (none when the channel simply ends, e.g. a missing extension). */
  request?: { cause: number; soft?: boolean };
  /** The cause in ChannelDestroyed. */
  cause: number;
  /** Whether the other half of a Local pair goes too (default true). */
  propagate?: boolean;
}

export function hangupChannel(core: SimCore, ch: SimChannel, opts: HangupOptions): void {
  if (ch.hangingUp) return;
  ch.hangingUp = true;
  if (opts.request) {
    emitChannelEvent(core, ch, 'ChannelHangupRequest', { cause: opts.request.cause, ...(opts.request.soft ? { soft: true } : {}) });
  }
  core.playbacks.channelGone(core, ch);
  for (const snoop of core.channels.all()) {
    if (snoop.snoopTargetId === ch.id) hangupChannel(core, snoop, { request: { cause: 16 }, cause: 16 });
  }
  const bridge = ch.bridgeId ? core.bridges.get(ch.bridgeId) : undefined;
  if (bridge) leaveBridge(core, bridge, ch);
  leaveStasis(core, ch);
  // A channel running dialplan notices the hangup between applications: one more, soft, request.
  if (ch.runsDialplan) emitChannelEvent(core, ch, 'ChannelHangupRequest', { cause: 16, soft: true });
  destroyChannel(core, ch, opts.cause);
  const peer = ch.localPeer;
  if (peer && opts.propagate !== false && !peer.hangingUp) hangupChannel(core, peer, { request: { cause: opts.cause }, cause: opts.cause });
}

function destroyChannel(core: SimCore, ch: SimChannel, cause: number): void {
  ch.dialplan = { ...ch.dialplan, ...ch.restingApp };
  ch.cancelTimers();
  emitChannelEvent(core, ch, 'ChannelDestroyed', { cause, cause_txt: causeText(cause) });
  ch.destroyed = true;
  core.channels.remove(ch);
}

/** DTMF reaching a channel from its far end, one digit at a time. */
export function receiveDtmf(core: SimCore, ch: SimChannel, digits: string): void {
  const DIGIT_GAP_MS = 250;
  [...digits].forEach((digit, i) => {
    ch.after(core.clock, i * DIGIT_GAP_MS, () => emitChannelEvent(core, ch, 'ChannelDtmfReceived', { digit, duration_ms: 100 }));
  });
}
