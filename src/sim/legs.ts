/**
 * The far end of outbound channels: a dialed leg (POST /channels/create + dial) or an originated
 * one (POST /channels) rings, answers, is busy, rejects or times out, with the events Asterisk
 * gives for each. For Local agent phones the `;2` half runs the trace dialplan and reports it to
 * apps subscribed to it (an originate subscribes both halves).
 */
import type { SimCore } from './core.js';
import { ANSWER_SETTLE_MS, DEFAULT_RING_S, DEFAULT_TALK_S, secondsVariable, type DialTarget } from './dialplan.js';
import { channelJson } from './json.js';
import type { RemoteParty, SimChannel } from './model/channels.js';
import { appsOfChannel, runApp, setCallerId, setState } from './model/notify.js';
import { enterStasis, hangupChannel } from './lifecycle.js';

export type OutboundMode =
  /** ARI `dial` of a created channel: a ring timeout hangs the leg up (cause 19) without a final Dial event. */
  | { kind: 'dial'; timeoutMs?: number }
  /** Originate: the leg enters Stasis when answered; busy/timeout end the originate. */
  | { kind: 'originate'; timeoutMs?: number; stasis?: { app: string; args: string[] } };

type Ringer = { ringMs?: number; talkMs?: number; settleMs: number };
type Phase = 'dialing' | 'ringing' | 'up' | 'busy' | 'over';

/** How the phone behind the target behaves, read when the dial starts (RING/TALK may come from inherited variables). */
function ringerFor(target: DialTarget, leg: SimChannel): Ringer | 'busy' | 'reject' | 'missing' {
  switch (target.kind) {
    case 'scripted': {
      const b = target.behaviour;
      if (b.kind === 'answer') return { ringMs: b.ringMs, talkMs: b.talkMs, settleMs: 0 };
      if (b.kind === 'noanswer' || b.kind === 'manual') return { settleMs: 0 };
      if (b.kind === 'busy' || b.kind === 'reject') return b.kind;
      return 'missing';
    }
    case 'localAgent':
      if (target.phone === 'busy' || target.phone === 'reject') return target.phone;
      if (target.phone === 'noanswer') return { settleMs: 0 };
      return {
        ringMs: secondsVariable(leg.variable('RING')) ?? DEFAULT_RING_S * 1000,
        talkMs: secondsVariable(leg.variable('TALK')) ?? DEFAULT_TALK_S * 1000,
        settleMs: ANSWER_SETTLE_MS,
      };
    default:
      return 'missing';
  }
}

export class OutboundCall implements RemoteParty {
  private phase: Phase = 'dialing';
  private dialEvents = 0;
  /** `sim.answer` came between the dial request and the first ring: pick up as soon as it rings. */
  private answerRequested = false;

  constructor(
    private readonly core: SimCore,
    private readonly leg: SimChannel,
    /** The `;2` half when the target is a Local channel. */
    private readonly half: SimChannel | undefined,
    private readonly target: DialTarget,
    private readonly mode: OutboundMode,
  ) {
    leg.remote = this;
    if (half) half.remote = this;
  }

  start(): void {
    if (this.target.kind === 'localConsult') return this.enterQueue(this.target.queue);
    const ringer = ringerFor(this.target, this.leg);
    if (ringer === 'missing') {
      // No such extension: the Local channel ends without any Dial event.
      this.phase = 'over';
      if (this.half) hangupChannel(this.core, this.half, { cause: 16, propagate: false });
      hangupChannel(this.core, this.leg, { cause: 16 });
      return;
    }
    this.dial('');
    if (ringer === 'busy') return this.busy();
    if (ringer === 'reject') return this.reject();
    if (this.mode.timeoutMs !== undefined) this.leg.after(this.core.clock, this.mode.timeoutMs, () => this.timeout());
    this.ring(ringer);
  }

  answer(): boolean {
    if (this.phase === 'dialing') {
      this.answerRequested = true;
      return true;
    }
    if (this.phase !== 'ringing') return false;
    const ringer = ringerFor(this.target, this.leg);
    this.pickUp(typeof ringer === 'object' ? ringer : { settleMs: 0 });
    return true;
  }

  /** [acd-consult]: the `;2` half enters Stasis(acd,<queue>); the leg answers when the app answers that half. */
  answeredByApp(): void {
    if (this.target.kind !== 'localConsult' || this.phase !== 'ringing') return;
    this.phase = 'up';
    setState(this.core, this.leg, 'Up');
    this.dial('ANSWER');
  }

  private enterQueue(queue: string): void {
    const half = this.half!;
    this.dial('');
    this.phase = 'ringing';
    if (this.mode.timeoutMs !== undefined) this.leg.after(this.core.clock, this.mode.timeoutMs, () => this.timeout());
    this.core.clock.afterReal(this.core.stasisEntryDelayMs, () => enterStasis(this.core, half, 'acd', [queue], { announceDialplan: true }));
  }

  hangup(cause: number): void {
    if (this.phase === 'over') return;
    this.phase = 'over';
    if (this.half) {
      runApp(this.core, this.half, { priority: this.half.dialplan.priority + 1, app_name: 'Hangup', app_data: '' });
      hangupChannel(this.core, this.half, { cause });
    } else {
      hangupChannel(this.core, this.leg, { request: { cause }, cause });
    }
  }

  private ring(ringer: Ringer): void {
    const half = this.half;
    if (half) runApp(this.core, half, { priority: 1, app_name: 'Ringing', app_data: '' });
    setState(this.core, this.leg, 'Ringing');
    if (half) {
      const wait = ringer.ringMs !== undefined ? String(ringer.ringMs / 1000) : '120';
      runApp(this.core, half, { priority: 2, app_name: 'Wait', app_data: wait });
    }
    this.dial('RINGING');
    this.phase = 'ringing';
    if (this.answerRequested) this.pickUp(ringer);
    else if (ringer.ringMs !== undefined) this.leg.after(this.core.clock, ringer.ringMs, () => this.pickUp(ringer));
  }

  private pickUp(ringer: Ringer): void {
    if (this.phase !== 'ringing') return;
    this.phase = 'up';
    const half = this.half;
    if (half) runApp(this.core, half, { priority: 3, app_name: 'Answer', app_data: '' });
    setState(this.core, this.leg, 'Up');
    if (half) setState(this.core, half, 'Up');
    const answerLost = this.mode.kind === 'dial' && this.target.kind === 'scripted' && this.target.behaviour.kind === 'answer' && this.target.behaviour.dialAnswerLost === true;
    if (!answerLost) this.dial('ANSWER');
    if (this.mode.kind === 'originate' && this.mode.stasis) {
      enterStasis(this.core, this.leg, this.mode.stasis.app, this.mode.stasis.args, { announceDialplan: false });
    }
    if (ringer.talkMs === undefined) return;
    const talkMs = ringer.talkMs;
    this.leg.after(this.core.clock, ringer.settleMs, () => {
      if (half && !half.hangingUp) {
        runApp(this.core, half, { priority: 4, app_name: 'Wait', app_data: String(talkMs / 1000) });
        // The connected-line update reaches the far half when its next application starts.
        setCallerId(this.core, half, this.leg.connected);
      }
      this.leg.after(this.core.clock, talkMs, () => {
        // A connected-line update that came after Wait(TALK) started (a slow app bridged late)
        // reaches the far half at its next application, Hangup().
        if (half && !half.hangingUp) setCallerId(this.core, half, this.leg.connected);
        this.hangup(16);
      });
    });
  }

  private busy(): void {
    this.phase = 'busy';
    if (this.half) runApp(this.core, this.half, { priority: 1, app_name: 'Busy', app_data: '' });
    this.dial('BUSY');
    // A dialed busy leg stays until the app hangs it up; a busy originate is over (Asterisk
    // destroys an originated Local leg with cause 0, its far half with 17).
    if (this.mode.kind === 'originate') this.endOriginate(17, this.half ? 0 : 17);
  }

  private reject(): void {
    this.phase = 'over';
    // Asterisk reports a rejected originate as a Dial NOANSWER before the leg's end (cause 21).
    if (this.mode.kind === 'originate') this.dial('NOANSWER');
    if (this.half) {
      runApp(this.core, this.half, { priority: 1, app_name: 'Hangup', app_data: '21' });
      hangupChannel(this.core, this.half, { cause: 21 });
    } else {
      hangupChannel(this.core, this.leg, { request: { cause: 21 }, cause: 21 });
    }
  }

  private timeout(): void {
    if (this.phase !== 'ringing' && this.phase !== 'dialing') return;
    this.phase = 'over';
    if (this.mode.kind === 'dial') hangupChannel(this.core, this.leg, { request: { cause: 32, soft: true }, cause: 19 });
    else this.endOriginate(19);
  }

  /** The originating dial gives up: the far half is hung up, the leg destroyed without a request of its own. */
  private endOriginate(cause: number, legCause = cause): void {
    this.phase = 'over';
    if (this.half) hangupChannel(this.core, this.half, { request: { cause }, cause, propagate: false });
    hangupChannel(this.core, this.leg, { cause: legCause, propagate: false });
  }

  private dial(dialstatus: string): void {
    // A dial of a created channel names the dial string in its first Dial event only; an originate in each.
    const dialstring = this.mode.kind === 'originate' || this.dialEvents === 0 ? this.leg.dialstring : '';
    this.dialEvents += 1;
    this.core.hub.emit(appsOfChannel(this.leg), 'Dial', { dialstatus, forward: '', dialstring, peer: channelJson(this.leg) });
  }
}
