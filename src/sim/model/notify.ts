/**
 * Channel changes that Asterisk reports as events. Who hears about a channel: the apps
 * subscribed to it explicitly, plus the app it is in Stasis with (only while it is there).
 */
import type { SimCore } from '../core.js';
import { channelJson } from '../json.js';
import type { ChannelState, DialplanLocation, Party, SimChannel } from './channels.js';

export const appsOfChannel = (ch: SimChannel): Set<string> => {
  const apps = new Set(ch.subscribers);
  if (ch.stasis) apps.add(ch.stasis.app);
  return apps;
};

export function emitChannelEvent(core: SimCore, ch: SimChannel, type: string, fields: Record<string, unknown> = {}): void {
  core.hub.emit(appsOfChannel(ch), type, { ...fields, channel: channelJson(ch) });
}

export function setState(core: SimCore, ch: SimChannel, state: ChannelState): void {
  if (ch.state === state) return;
  ch.state = state;
  emitChannelEvent(core, ch, 'ChannelStateChange');
}

export function setVariable(core: SimCore, ch: SimChannel, variable: string, value: string): void {
  ch.vars.set(variable, value);
  emitChannelEvent(core, ch, 'ChannelVarset', { variable, value });
}

/** The channel runs a dialplan application: ChannelDialplan. */
export function runApp(core: SimCore, ch: SimChannel, location: Partial<DialplanLocation> & Pick<DialplanLocation, 'app_name' | 'app_data'>): void {
  ch.dialplan = { ...ch.dialplan, ...location };
  emitChannelEvent(core, ch, 'ChannelDialplan', { dialplan_app: location.app_name, dialplan_app_data: location.app_data });
}

export function setConnectedLine(core: SimCore, ch: SimChannel, party: Party): void {
  if (ch.connected.name === party.name && ch.connected.number === party.number) return;
  ch.connected = { ...party };
  emitChannelEvent(core, ch, 'ChannelConnectedLine');
}

export function setCallerId(core: SimCore, ch: SimChannel, party: Party): void {
  if (ch.caller.name === party.name && ch.caller.number === party.number) return;
  ch.caller = { ...party };
  emitChannelEvent(core, ch, 'ChannelCallerId', { caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened' });
}
