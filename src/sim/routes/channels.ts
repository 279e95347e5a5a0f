/** /channels: the REST side of channels, with Asterisk's checks and error bodies. */
import { randomUUID } from 'node:crypto';
import type { SimCore } from '../core.js';
import { badRequest, conflict, notFound, preconditionFailed } from '../errors.js';
import { bodyVariables, intArg, type AriRequest, type AriRouter } from '../http.js';
import { channelJson } from '../json.js';
import type { SimChannel } from '../model/channels.js';
import { setState, setVariable } from '../model/notify.js';
import { continueInDialplan, hangupChannel } from '../lifecycle.js';
import { createChannel, dialChannel, originate, snoop } from '../calls.js';

const HANGUP_REASONS: Record<string, number> = { normal: 16, busy: 17, congestion: 34, no_answer: 19, answered_elsewhere: 26 };
const MUTE_DIRECTIONS: Record<string, ('in' | 'out')[]> = { in: ['in'], out: ['out'], both: ['in', 'out'] };

const NO_CONTENT = { status: 204 } as const;

export function channelById(core: SimCore, id: string): SimChannel {
  const ch = core.channels.get(id);
  if (!ch) throw notFound('Channel not found');
  return ch;
}

/** Asterisk's find_control: 404 when the channel does not exist, 409 when it is not in Stasis. */
export function channelInStasis(core: SimCore, id: string): SimChannel {
  const ch = channelById(core, id);
  if (!ch.stasis) throw conflict('Channel not in Stasis application');
  return ch;
}

/** Media and state operations need a channel that is not Down, Rsrvd or Ringing (an outbound leg not yet answered). */
function controllable(core: SimCore, id: string): SimChannel {
  const ch = channelInStasis(core, id);
  if (ch.state === 'Down' || ch.state === 'Rsrvd' || ch.state === 'Ringing') throw preconditionFailed('Channel in invalid state');
  return ch;
}

function originateHandler(core: SimCore) {
  return (req: AriRequest) => {
    const a = req.args;
    const json = originate(core, {
      endpoint: a.endpoint,
      app: a.app,
      appArgs: a.appArgs,
      channelId: req.params.channelId ?? a.channelId,
      otherChannelId: a.otherChannelId,
      originator: a.originator,
      callerId: a.callerId,
      timeoutS: intArg(a, 'timeout'),
      context: a.context,
      extension: a.extension,
      variables: bodyVariables(req.body),
    });
    return { status: 200, body: json };
  };
}

function hangupCause(args: Record<string, string>): number {
  if (args.reason && args.reason_code) throw badRequest("Only one of 'reason_code' and 'reason' can be set");
  if (args.reason_code) {
    const code = Number(args.reason_code);
    if (!Number.isInteger(code) || code < 0) throw badRequest('Invalid reason_code for hangup provided');
    return code;
  }
  if (!args.reason) return 16;
  const cause = HANGUP_REASONS[args.reason];
  if (cause === undefined) throw badRequest('Invalid reason for hangup provided');
  return cause;
}

function muteDirection(args: Record<string, string>): ('in' | 'out')[] {
  const directions = MUTE_DIRECTIONS[args.direction || 'both'];
  if (!directions) throw badRequest('Invalid direction specified');
  return directions;
}

/** What Asterisk answers for a playback it then drops (see BRIDGE_DEPARTURE_MS): queued, and nothing after. */
function droppedPlayback(ch: SimChannel, media: string[], playbackId: string | undefined) {
  return { id: playbackId || randomUUID(), media_uri: media[0]!, target_uri: `channel:${ch.id}`, language: ch.language, state: 'queued' };
}

function playHandler(core: SimCore) {
  return (req: AriRequest) => {
    const ch = controllable(core, req.params.channelId!);
    const media = (req.args.media ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    if (media.length === 0) throw badRequest('Missing parameter media');
    if (Date.now() < ch.leavingDestroyedBridgeUntil) {
      const dropped = droppedPlayback(ch, media, req.params.playbackId ?? req.args.playbackId);
      return { status: 201, body: dropped, headers: { Location: `/playbacks/${dropped.id}` } };
    }
    const playback = core.playbacks.play(core, ch, { media, language: req.args.lang, playbackId: req.params.playbackId ?? req.args.playbackId });
    return { status: 201, body: playback, headers: { Location: `/playbacks/${playback.id}` } };
  };
}

function snoopHandler(core: SimCore) {
  return (req: AriRequest) => {
    const a = req.args;
    const target = core.channels.get(req.params.channelId!);
    if (!target) throw notFound('Provided channel was not found');
    return { status: 200, body: snoop(core, target, { spy: a.spy, whisper: a.whisper, app: a.app, appArgs: a.appArgs, snoopId: req.params.snoopId ?? a.snoopId }) };
  };
}

export function registerChannelRoutes(router: AriRouter, core: SimCore): void {
  router
    .on('GET', '/channels', () => ({ status: 200, body: core.channels.all().map(channelJson) }))
    .on('POST', '/channels', originateHandler(core))
    .on('POST', '/channels/create', (req) => {
      const a = req.args;
      const json = createChannel(core, {
        endpoint: a.endpoint,
        app: a.app,
        appArgs: a.appArgs,
        channelId: a.channelId,
        otherChannelId: a.otherChannelId,
        originator: a.originator,
        variables: bodyVariables(req.body),
      });
      return { status: 200, body: json };
    })
    .on('GET', '/channels/:channelId', (req) => ({ status: 200, body: channelJson(channelById(core, req.params.channelId!)) }))
    .on('POST', '/channels/:channelId', originateHandler(core))
    .on('DELETE', '/channels/:channelId', (req) => {
      const ch = channelById(core, req.params.channelId!);
      const cause = hangupCause(req.args);
      // ARI hangs up with a soft hangup request (reported as cause 32, soft) carrying the chosen cause.
      hangupChannel(core, ch, { request: { cause: 32, soft: true }, cause });
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/answer', (req) => {
      const ch = controllable(core, req.params.channelId!);
      if (ch.state !== 'Up') {
        setState(core, ch, 'Up');
        ch.remote?.answeredByApp?.();
      }
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/ring', (req) => {
      controllable(core, req.params.channelId!).ringing = true;
      return NO_CONTENT;
    })
    .on('DELETE', '/channels/:channelId/ring', (req) => {
      controllable(core, req.params.channelId!).ringing = false;
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/moh', (req) => {
      controllable(core, req.params.channelId!).moh = req.args.mohClass || 'default';
      return NO_CONTENT;
    })
    .on('DELETE', '/channels/:channelId/moh', (req) => {
      controllable(core, req.params.channelId!).moh = undefined;
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/hold', (req) => {
      controllable(core, req.params.channelId!).held = true;
      return NO_CONTENT;
    })
    .on('DELETE', '/channels/:channelId/hold', (req) => {
      controllable(core, req.params.channelId!).held = false;
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/mute', (req) => {
      const ch = controllable(core, req.params.channelId!);
      for (const d of muteDirection(req.args)) ch.muted.add(d);
      return NO_CONTENT;
    })
    .on('DELETE', '/channels/:channelId/mute', (req) => {
      const ch = controllable(core, req.params.channelId!);
      for (const d of muteDirection(req.args)) ch.muted.delete(d);
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/dtmf', (req) => {
      controllable(core, req.params.channelId!);
      // The digits go out to the far end; the app hears nothing about them.
      if (!req.args.dtmf) throw badRequest('DTMF is required');
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/play', playHandler(core))
    .on('POST', '/channels/:channelId/play/:playbackId', playHandler(core))
    .on('POST', '/channels/:channelId/dial', (req) => {
      const ch = channelInStasis(core, req.params.channelId!);
      if (ch.state !== 'Down' && ch.state !== 'Rsrvd') throw conflict("Channel is not in the 'Down' state");
      if (!ch.dialTarget) throw conflict('Dialing a channel not created by ARI');
      const caller = req.args.caller ? core.channels.get(req.args.caller) : undefined;
      dialChannel(core, ch, { caller, timeoutS: intArg(req.args, 'timeout') });
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/snoop', snoopHandler(core))
    .on('POST', '/channels/:channelId/snoop/:snoopId', snoopHandler(core))
    .on('GET', '/channels/:channelId/variable', (req) => {
      const name = req.args.variable;
      if (!name) throw badRequest('Variable name is required');
      const ch = core.channels.get(req.params.channelId!);
      if (!ch) throw notFound('Provided channel was not found');
      const value = ch.variable(name);
      if (value === undefined) throw notFound('Provided variable was not found');
      return { status: 200, body: { value } };
    })
    .on('POST', '/channels/:channelId/variable', (req) => {
      const name = req.args.variable;
      if (!name) throw badRequest('Variable name is required');
      setVariable(core, channelInStasis(core, req.params.channelId!), name, req.args.value ?? '');
      return NO_CONTENT;
    })
    .on('POST', '/channels/:channelId/continue', (req) => {
      const ch = controllable(core, req.params.channelId!);
      continueInDialplan(core, ch, { context: req.args.context, exten: req.args.extension, priority: intArg(req.args, 'priority') });
      return NO_CONTENT;
    });
}
