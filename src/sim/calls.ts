/**
 * Making channels: POST /channels/create (+ dial), originate (POST /channels), the trace
 * dialplan's callers (a Local pair whose `;2` half enters Stasis) and snoop channels.
 */
import type { SimCore } from './core.js';
import { allocationFailed, badRequest, conflict } from './errors.js';
import { CALLER_DIGITS_AFTER_MS, parseCallerId, resolveDialTarget, secondsVariable, type DialTarget } from './dialplan.js';
import { channelJson, type ChannelJson } from './json.js';
import { SimChannel, type ChannelOrigin, type DialplanLocation, type Party, type RemoteParty } from './model/channels.js';
import { runApp, setCallerId, setConnectedLine, setState, setVariable } from './model/notify.js';
import { enterStasis, hangupChannel, receiveDtmf } from './lifecycle.js';
import { OutboundCall } from './legs.js';

const NOBODY: Party = { name: '', number: '' };
const NO_APP = { app_name: '', app_data: '' };
const OUTGOING_LINE = { app_name: 'AppDial2', app_data: '(Outgoing Line)' };
/** Originate's ring timeout when none is given (Asterisk's default). */
const DEFAULT_ORIGINATE_TIMEOUT_S = 30;

export interface CreateParams {
  endpoint?: string;
  app?: string;
  appArgs?: string;
  channelId?: string;
  otherChannelId?: string;
  originator?: string;
  variables?: Record<string, string>;
}

export interface OriginateParams extends CreateParams {
  callerId?: string;
  timeoutS?: number;
  context?: string;
  extension?: string;
}

export interface CallerScript {
  /** Simulated ms after being answered before the caller hangs up; undefined: stays until hung up. */
  holdMs?: number;
  /** DTMF the caller sends, simulated ms after being answered. */
  digits?: { atMs: number; digits: string };
}

const splitArgs = (appArgs: string | undefined): string[] => (appArgs ? appArgs.split(',') : []);

/** Ring timeout in simulated ms: > 0 seconds as given, -1 none, else the default. */
const ringTimeoutMs = (timeoutS: number | undefined): number | undefined =>
  timeoutS === -1 ? undefined : (timeoutS && timeoutS > 0 ? timeoutS : DEFAULT_ORIGINATE_TIMEOUT_S) * 1000;

function checkNewId(core: SimCore, id: string | undefined): void {
  if (id && core.channels.has(id)) throw conflict('Channel with given unique ID already exists');
}

/** The `;1`/`;2` pair of a Local channel, both added to the store. */
function localPair(
  core: SimCore,
  ids: { id?: string; otherId?: string },
  resource: string,
  leg: { origin: ChannelOrigin; caller: Party; dialplan: DialplanLocation },
): [SimChannel, SimChannel] {
  const id = ids.id || core.channels.nextUniqueId();
  const otherId = ids.otherId || `${id};2`;
  checkNewId(core, otherId);
  const base = `Local/${resource}${core.channels.nextNameSuffix()}`;
  const createdAt = core.now();
  const one = new SimChannel(id, `${base};1`, leg.origin, { state: 'Down', caller: leg.caller, dialplan: leg.dialplan, createdAt });
  const two = new SimChannel(otherId, `${base};2`, 'dialplan', {
    state: 'Ring',
    caller: NOBODY,
    dialplan: { context: leg.dialplan.context, exten: leg.dialplan.exten, priority: 1, ...NO_APP },
    createdAt,
  });
  one.localPeer = two;
  two.localPeer = one;
  core.channels.add(one);
  core.channels.add(two);
  return [one, two];
}

/** The outbound leg (and the Local far half) for a dial target; 500 Allocation failed when unreachable. */
function outboundLeg(core: SimCore, target: DialTarget, id: { channelId?: string; otherChannelId?: string }, origin: 'create' | 'originate', caller: Party): { leg: SimChannel; half?: SimChannel } {
  if (target.kind === 'unavailable') throw allocationFailed();
  const app = origin === 'create' ? NO_APP : OUTGOING_LINE;
  if (target.kind === 'scripted') {
    const half = target.technology.toLowerCase() === 'local' ? ';1' : '';
    const name = `${target.technology}/${target.resource}${core.channels.nextNameSuffix()}${half}`;
    const leg = new SimChannel(id.channelId || core.channels.nextUniqueId(), name, origin, {
      state: 'Down',
      caller,
      dialplan: { context: 'default', exten: 's', priority: 1, ...app },
      createdAt: core.now(),
    });
    leg.dialstring = target.resource;
    return { leg: core.channels.add(leg) };
  }
  const dialplan = { context: target.context, exten: target.exten, priority: 1, ...app };
  const [leg, half] = localPair(core, { id: id.channelId, otherId: id.otherChannelId }, target.resource, { origin, caller, dialplan });
  leg.dialstring = target.resource;
  return { leg, half };
}

/** POST /channels/create: answers before the channel is in Stasis; StasisStart follows shortly after. */
export function createChannel(core: SimCore, params: CreateParams): ChannelJson {
  if (!params.endpoint) throw badRequest('Endpoint must be specified');
  if (!params.app) throw badRequest('Application name is required');
  const target = resolveDialTarget(core.endpoints, params.endpoint);
  checkNewId(core, params.channelId);
  const { leg } = outboundLeg(core, target, params, 'create', NOBODY);
  const app = params.app;
  leg.dialTarget = target;
  leg.subscribers.add(app);
  // Asterisk subscribes the app to the originator too: the app then hears it until it is destroyed.
  if (params.originator) core.channels.get(params.originator)?.subscribers.add(app);
  for (const [name, value] of Object.entries(params.variables ?? {})) setVariable(core, leg, name, value);
  const reply = channelJson(leg);
  core.clock.afterReal(core.stasisEntryDelayMs, () => enterStasis(core, leg, app, splitArgs(params.appArgs), { announceDialplan: true }));
  return reply;
}

/** POST /channels/{id}/dial of a created channel (the route checked Stasis, state and origin). */
export function dialChannel(core: SimCore, leg: SimChannel, opts: { caller?: SimChannel; timeoutS?: number }): void {
  const { caller } = opts;
  if (caller) {
    for (const [name, value] of caller.inheritableVars()) setVariable(core, leg, name, value);
    leg.language = caller.language;
    setConnectedLine(core, leg, caller.caller);
  }
  const target = leg.dialTarget!;
  leg.dialTarget = undefined;
  const call = new OutboundCall(core, leg, leg.localPeer, target, { kind: 'dial', timeoutMs: ringTimeoutMs(opts.timeoutS) });
  core.clock.afterReal(0, () => {
    if (!leg.hangingUp) call.start();
  });
}

/** POST /channels[/{id}]: into Stasis when the far end answers, or a caller's phone for `Local/q-<queue>@callers`. */
export function originate(core: SimCore, params: OriginateParams): ChannelJson {
  if (!params.endpoint) throw badRequest('Endpoint must be specified');
  const target = resolveDialTarget(core.endpoints, params.endpoint);
  if (!params.app && !params.extension) throw badRequest('Application or extension must be specified');
  checkNewId(core, params.channelId);
  const originator = params.originator ? core.channels.get(params.originator) : undefined;
  if (params.originator && !originator) throw badRequest('Provided originator channel was not found');
  const callerId = parseCallerId(params.callerId) ?? NOBODY;
  if (target.kind === 'localCaller') {
    const phone = startCaller(core, {
      id: params.channelId,
      otherId: params.otherChannelId,
      exten: target.exten,
      app: 'acd',
      args: [target.queue],
      caller: callerId,
      variables: params.variables,
      script: (ch) => callerScriptFromVariables(ch),
      phoneLocation: { context: params.context || 'default', exten: params.extension || 's' },
    });
    return channelJson(phone);
  }
  const { leg, half } = outboundLeg(core, target, params, 'originate', callerId);
  if (params.app) {
    leg.subscribers.add(params.app);
    half?.subscribers.add(params.app);
  }
  const variables = Object.entries(params.variables ?? {});
  for (const [name, value] of variables) leg.vars.set(name, value);
  if (half) {
    // The far half inherits the originate's variables (newest first) and the originator's.
    for (const [name, value] of [...variables].reverse()) setVariable(core, half, name, value);
    for (const [name, value] of originator?.inheritableVars() ?? []) setVariable(core, half, name, value);
    setCallerId(core, half, callerId);
    setConnectedLine(core, half, callerId);
  }
  const reply = channelJson(leg);
  const stasis = params.app ? { app: params.app, args: splitArgs(params.appArgs) } : undefined;
  const call = new OutboundCall(core, leg, half, target, { kind: 'originate', timeoutMs: ringTimeoutMs(params.timeoutS), stasis });
  core.clock.afterReal(0, () => {
    if (!leg.hangingUp) call.start();
  });
  return reply;
}

function callerScriptFromVariables(phone: SimChannel): CallerScript {
  const digits = phone.variable('DIGITS');
  return {
    holdMs: secondsVariable(phone.variable('HOLD')),
    ...(digits ? { digits: { atMs: CALLER_DIGITS_AFTER_MS, digits } } : {}),
  };
}

/** The caller's phone (the `;1` half): waits to be answered, then plays its script. */
class CallerPhone implements RemoteParty {
  constructor(
    private readonly core: SimCore,
    private readonly phone: SimChannel,
    private readonly leg: SimChannel,
    private readonly script: CallerScript,
    private readonly location: { context: string; exten: string },
  ) {}

  answer(): boolean {
    return false;
  }

  answeredByApp(): void {
    const { core, phone, leg, script } = this;
    if (phone.state === 'Up') return;
    setState(core, phone, 'Up');
    runApp(core, phone, { ...this.location, priority: 1, app_name: 'Wait', app_data: script.holdMs === undefined ? '' : String(script.holdMs / 1000) });
    if (script.digits) {
      const { digits } = script.digits;
      phone.after(core.clock, script.digits.atMs, () => receiveDtmf(core, leg, digits));
    }
    if (script.holdMs !== undefined) phone.after(core.clock, script.holdMs, () => this.hangup(16));
  }

  hangup(cause: number): void {
    hangupChannel(this.core, this.phone, { cause });
  }
}

export interface CallerParams {
  id?: string;
  otherId?: string;
  exten: string;
  app: string;
  args: string[];
  caller: Party;
  variables?: Record<string, string>;
  /** The phone's script, read once its variables are set. */
  script: (phone: SimChannel) => CallerScript;
  phoneLocation?: { context: string; exten: string };
}

/** A caller: a Local pair into `[callers]`; the `;2` half enters Stasis(app,args) shortly after. Returns the phone (`;1`). */
export function startCaller(core: SimCore, params: CallerParams): SimChannel {
  checkNewId(core, params.id);
  const dialplan = { context: 'callers', exten: params.exten, priority: 1, ...OUTGOING_LINE };
  const [phone, leg] = localPair(core, { id: params.id, otherId: params.otherId }, `${params.exten}@callers`, { origin: 'originate', caller: params.caller, dialplan });
  leg.caller = { ...params.caller };
  leg.connected = { ...params.caller };
  for (const [name, value] of Object.entries(params.variables ?? {})) phone.vars.set(name, value);
  for (const [name, value] of phone.inheritableVars()) leg.vars.set(name, value);
  const remote = new CallerPhone(core, phone, leg, params.script(phone), params.phoneLocation ?? { context: 'callerphone', exten: 's' });
  phone.remote = remote;
  leg.remote = remote;
  core.clock.afterReal(core.stasisEntryDelayMs, () => {
    if (leg.hangingUp) return;
    leg.dialplan = { ...leg.dialplan, priority: 2 };
    enterStasis(core, leg, params.app, params.args, { announceDialplan: true });
  });
  return phone;
}

export interface SnoopParams {
  spy?: string;
  whisper?: string;
  app?: string;
  appArgs?: string;
  snoopId?: string;
}

const DIRECTIONS = ['none', 'in', 'out', 'both'];

/** POST /channels/{id}/snoop: a Snoop channel that enters Stasis(app,appArgs) at once. */
export function snoop(core: SimCore, target: SimChannel, params: SnoopParams): ChannelJson {
  const spy = params.spy || 'none';
  const whisper = params.whisper || 'none';
  if (!DIRECTIONS.includes(spy)) throw badRequest('Invalid direction specified for spy');
  if (!DIRECTIONS.includes(whisper)) throw badRequest('Invalid direction specified for whisper');
  if (spy === 'none' && whisper === 'none') throw badRequest('Direction must be specified for at least spy or whisper');
  if (!params.app) throw badRequest('Application name is required');
  checkNewId(core, params.snoopId);
  const ch = new SimChannel(params.snoopId || core.channels.nextUniqueId(), `Snoop/${target.id}${core.channels.nextSnoopSuffix()}`, 'snoop', {
    state: 'Up',
    caller: NOBODY,
    dialplan: { context: 'default', exten: 's', priority: 1, ...NO_APP },
    createdAt: core.now(),
  });
  ch.snoopTargetId = target.id;
  core.channels.add(ch);
  const reply = channelJson(ch);
  enterStasis(core, ch, params.app, splitArgs(params.appArgs), { announceDialplan: true });
  return reply;
}
