/**
 * Every prefix the engine gives the ids it makes up: control-call records, the queue calls of
 * consults, PBX channels, bridges and playbacks; with the functions that build and recognise
 * them. Nothing else in src spells a prefix; the Lua scripts get the record prefixes from the
 * generated include lua/includes/keys.lua (npm run lua:keys).
 * Channel ids matter beyond this process: a restarted engine tells its own channels by them, so a
 * prefix, once used, stays.
 */
export const ID_PREFIXES = {
  /** Control-call records (`cc:<id>`, src/domain/controlCall.ts). */
  parkRecord: 'pk-',
  redirectRecord: 'rd-',
  consultRecord: 'cs-',
  supervisorRecord: 'sv-',
  outboundRecord: 'out-',
  /** A consult to a queue waits there as a call of its own (the `;2` half of a Local channel). */
  consultCall: 'acd-csq-',
  /** Channels the engine creates. */
  agentLeg: 'acd-agent-',
  callbackLeg: 'acd-cb-',
  redirectLeg: 'acd-rd-',
  consultLeg: 'acd-cs-',
  outboundLeg: 'acd-out-',
  supervisorLeg: 'acd-sup-',
  snoop: 'acd-snoop-',
  /** Bridges: a call's own (`bridge-<agent leg>`) or a control call's (`bridge-<record id>`), a supervisor's. */
  bridge: 'bridge-',
  monitorBridge: 'acd-mon-',
  /** Playbacks. */
  announcement: 'acd-ann-',
  parkAnnouncement: 'park-',
} as const;

const P = ID_PREFIXES;

/** Control-call record ids, from the queue call (park, redirect, consult) or the supervisor they belong to. */
export const parkRecordId = (callId: string) => `${P.parkRecord}${callId}`;
export const redirectRecordId = (callId: string) => `${P.redirectRecord}${callId}`;
export const consultRecordId = (callId: string) => `${P.consultRecord}${callId}`;
export const supervisorRecordId = (supervisorId: string) => `${P.supervisorRecord}${supervisorId}`;
export const outboundRecordId = (uuid: string) => `${P.outboundRecord}${uuid}`;

/** The queue call a park or consult record belongs to (undefined when `id` is no such record). */
export const callIdOfParkRecord = (id: string): string | undefined => (id.startsWith(P.parkRecord) ? id.slice(P.parkRecord.length) : undefined);
export const callIdOfConsultRecord = (id: string): string | undefined => (id.startsWith(P.consultRecord) ? id.slice(P.consultRecord.length) : undefined);

export const consultCallId = (uuid: string) => `${P.consultCall}${uuid}`;
export const isConsultCall = (callId: string): boolean => callId.startsWith(P.consultCall);

export const agentLegId = (uuid: string) => `${P.agentLeg}${uuid}`;
export const callbackLegId = (uuid: string) => `${P.callbackLeg}${uuid}`;
export const isCallbackLeg = (channelId: string): boolean => channelId.startsWith(P.callbackLeg);
export const redirectLegId = (uuid: string) => `${P.redirectLeg}${uuid}`;
export const consultLegId = (uuid: string) => `${P.consultLeg}${uuid}`;
/** An outbound call's two legs: the agent's phone (a) and the destination (b). */
export const outboundLegIds = (uuid: string) => ({ agentLeg: `${P.outboundLeg}${uuid}-a`, destLeg: `${P.outboundLeg}${uuid}-b` });
export const supervisorLegId = (uuid: string) => `${P.supervisorLeg}${uuid}`;
export const snoopChannelId = (uuid: string) => `${P.snoop}${uuid}`;

/** The bridge of a queue call (named after its agent leg) or of a control call (after its record id). */
export const bridgeIdOf = (owner: string) => `${P.bridge}${owner}`;
/** A queue call's bridge (named after its agent leg), not a control call's. */
export const isCallBridge = (bridgeId: string): boolean => bridgeId.startsWith(`${P.bridge}${P.agentLeg}`);
export const monitorBridgeId = (uuid: string) => `${P.monitorBridge}${uuid}`;

export const announcementPlaybackId = (uuid: string) => `${P.announcement}${uuid}`;
export const parkAnnouncementId = (callId: string, startedAt: number) => `${P.parkAnnouncement}${callId}-${startedAt}`;
