/** ARI JSON shapes, field for field as Asterisk 22 writes them. */
import type { SimChannel } from './model/channels.js';
import type { SimBridge } from './model/bridges.js';

/** `2026-11-21T07:48:38.626+0000`: Asterisk's timestamp format (UTC, no colon in the offset). */
export const ariTimestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export interface ChannelJson {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
}

export const channelJson = (ch: SimChannel): ChannelJson => ({
  id: ch.id,
  name: ch.name,
  state: ch.state,
  protocol_id: '',
  caller: { ...ch.caller },
  connected: { ...ch.connected },
  accountcode: '',
  dialplan: { ...ch.dialplan },
  creationtime: ariTimestamp(ch.createdAt),
  language: ch.language,
});

export interface BridgeJson {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export const bridgeJson = (b: SimBridge): BridgeJson => ({
  id: b.id,
  technology: b.type === 'holding' ? 'holding_bridge' : 'simple_bridge',
  bridge_type: b.type,
  bridge_class: 'stasis',
  creator: 'Stasis',
  name: b.name,
  // Asterisk lists the newest member first (see the traces' ChannelEnteredBridge).
  channels: [...b.channelIds].reverse(),
  creationtime: ariTimestamp(b.createdAt),
  video_mode: 'talker',
});
